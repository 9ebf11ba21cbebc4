// The ECharts parts the command centre's panels use, in a chunk of their
// own: the page imports it after its first meaningful paint (the map and
// the cards), so parsing ECharts (590 KB) never delays that paint.
import { init, use } from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, CanvasRenderer]);

export { init };
