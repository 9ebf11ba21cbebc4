// Colours of the grid layers: party-building red, comprehensive blue, then a
// palette for layers added later.
const fixed = { party: '#d93025', comprehensive: '#1a73e8' };
const palette = ['#0b8043', '#f29900', '#8e24aa', '#00838f', '#6d4c41'];

// layerColor returns the colour of grid layer code, i the layer's index.
export function layerColor(code, i = 0) {
  return fixed[code] || palette[i % palette.length];
}
