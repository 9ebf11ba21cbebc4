package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The name lists below are invented for the demo; any resemblance to a
// real compound, company or person is coincidence.

// departments are the 20 district departments (职能部门) with short names.
var departments = [][2]string{
	{"兖州区住房和城乡建设局", "区住建局"},
	{"兖州区综合行政执法局", "区执法局"},
	{"济宁市生态环境局兖州区分局", "环境分局"},
	{"兖州区交通运输局", "区交通局"},
	{"兖州区水务局", "区水务局"},
	{"兖州区市场监督管理局", "区市场监管局"},
	{"济宁市公安局兖州区分局", "公安分局"},
	{"兖州区民政局", "区民政局"},
	{"兖州区卫生健康局", "区卫健局"},
	{"兖州区教育和体育局", "区教体局"},
	{"兖州区人力资源和社会保障局", "区人社局"},
	{"兖州区应急管理局", "区应急局"},
	{"济宁市自然资源和规划局兖州区分局", "自然资源分局"},
	{"兖州区农业农村局", "区农业农村局"},
	{"兖州区文化和旅游局", "区文旅局"},
	{"兖州区商务局", "区商务局"},
	{"兖州区信访局", "区信访局"},
	{"兖州区司法局", "区司法局"},
	{"国网济宁市兖州区供电公司", "供电公司"},
	{"兖州区城乡水务集团有限公司", "水务集团"},
}

// couriers employ the special grid workers (特聘网格员).
var couriers = [][2]string{
	{"中国邮政集团有限公司兖州区分公司", "兖州邮政"},
	{"兖州顺达快递服务有限公司", "顺达快递"},
	{"兖州同城即时配送服务站", "同城配送"},
}

// propertyWords make property company names: 兖州XX物业服务有限公司.
var propertyWords = []string{
	"鑫源", "华安", "恒信", "宏达", "泰和", "金诚", "永安", "瑞祥", "兴业", "博源",
	"嘉和", "安泰", "福顺", "德信", "众联", "盛通", "九州", "龙城", "鼎盛", "仁和",
	"广厦", "佳美", "锦程", "润泽", "正阳", "明德", "家和", "昌盛", "御泉", "天润",
	"汇通", "同心", "康宁", "和润", "东岳", "圣源",
}

const propertyCompanies = 30

// compoundWords and the suffixes make compound names (XX花园, XX小区…);
// older compounds get the plainer suffixes.
var compoundWords = []string{
	"锦绣", "龙泽", "九州", "兴隆", "阳光", "和谐", "幸福", "翰林", "书香", "御景",
	"金色", "滨河", "华府", "康乐", "东方", "泗河", "府河", "文华", "建设", "盛世",
	"嘉禾", "丽景", "怡和", "瑞祥", "荣华", "富民", "安居", "温馨", "春晖", "紫荆",
	"银河", "明珠", "凤凰", "玉龙", "金桥", "汇景", "博雅", "泰和", "馨园", "龙城",
	"少陵", "鼓楼", "府前", "中御", "琵琶山", "大禹", "兴安", "扬州", "光明", "东苑",
	"西苑", "南苑", "北苑", "新华", "红旗", "团结", "胜利", "友谊", "育才", "桃园",
	"梨园", "杏坛", "槐荫", "柳岸", "荷塘", "枫林", "松竹", "兰亭", "翠苑", "碧水",
	"青年", "电力", "粮食", "供销", "铁路", "矿务", "纺织", "机械", "邮电", "税务",
	"天和", "盛景", "锦华", "颐和", "清华", "秀水", "鸿福", "金泉", "恒泰", "万福",
}

var (
	compoundSuffixOld = []string{"小区", "新村", "宿舍", "家属院", "小区"}
	compoundSuffixNew = []string{"花园", "苑", "家园", "雅居", "华庭", "嘉园", "名居", "花园", "小区", "公馆"}
)

// roadWords are street names used for points (包保点位).
var roadWords = []string{
	"建设路", "九州大道", "兴隆路", "少陵街", "府前街", "龙桥路", "中御桥路", "文化路", "北环路", "南环路",
	"东方红路", "大禹路", "光明路", "琵琶山路", "扬州路", "兴安路", "滨河路", "建设西路", "建设东路", "青莲路",
	"鼓楼街", "西御桥街", "东御桥街", "人民路", "金城路", "泗河路", "府河路", "新兖路", "火车站路", "酒仙桥路",
	"天仙路", "兴华路", "民族街", "红花路", "息马地街", "校场街", "文昌路", "永丰街", "长安路", "顺城街",
}

var roadSegments = []string{"东段", "西段", "南段", "北段", "中段"}

var laneWords = []string{
	"后营", "前营", "小南门", "关帝庙", "仓房", "染坊", "油坊", "铁匠", "石碑", "井台",
	"槐树", "枣园", "菜园", "书院", "文庙", "马道", "箭道", "钟楼", "卧龙", "莲池",
	"西关", "东关", "南关", "北关", "三官庙", "杨家", "孔家", "颜家", "王家", "刘家",
}

var laneSuffix = []string{"巷", "胡同", "里", "街"}

var (
	marketWords  = []string{"东关", "西关", "北关", "南关", "少陵", "龙桥", "建设", "九州", "新华", "兴隆", "天仙", "府前"}
	schoolKinds  = []string{"小学", "中学", "实验小学", "幼儿园", "实验中学"}
	schoolWords  = []string{"兖州区第一", "兖州区第二", "兖州区第三", "兖州区第四", "兖州区第五", "兖州区第六", "兖州区第七", "少陵", "龙桥", "酒仙桥", "东方", "育才", "实验", "新华", "鼓楼", "文化"}
	hospitals    = []string{"兖州区人民医院", "兖州区中医医院", "兖州区妇幼保健院", "兖州区第二人民医院", "兖州区精神卫生中心", "兖州区口腔医院", "兖州区眼科医院"}
	parkWords    = []string{"青莲阁", "少陵台", "兴隆塔", "九州", "滨河", "龙桥", "府河", "文化", "健身", "人民", "东方", "泗河"}
	parkSuffix   = []string{"公园", "广场", "游园", "健身广场"}
	firmWords    = []string{"华岳", "鲁恒", "嘉泰", "金利", "晨阳", "宏昌", "瑞丰", "鲁兴", "明达", "天元", "永兴", "东岳"}
	firmTrades   = []string{"纸业", "机械", "橡胶", "食品", "纺织", "建材", "物流", "电气", "包装", "化纤"}
	projectWords = []string{"一期", "二期", "三期", "改造", "扩建"}
	publicPlaces = []string{"便民服务中心", "文化活动中心", "党群服务中心", "老年活动中心", "新时代文明实践站", "日间照料中心", "公共停车场", "快递驿站", "公交站点", "健身步道"}
)

// pointKinds are the kinds of grid responsibility points with their weight.
var pointKinds = []struct {
	kind   string
	weight float64
}{
	{"小区", 30}, {"沿街商铺", 20}, {"背街小巷", 15}, {"农贸市场", 4}, {"学校周边", 6},
	{"医院周边", 3}, {"公园广场", 5}, {"企业", 7}, {"工地", 4}, {"公共场所", 6},
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// pointName invents a point name of a kind; community is the community's
// label for names that need a place.
func pointName(rng *rand.Rand, kind, community string) string {
	switch kind {
	case "小区":
		return fmt.Sprintf("%s%d号院", pick(rng, roadWords), 1+rng.IntN(180))
	case "沿街商铺":
		return pick(rng, roadWords) + pick(rng, roadSegments) + "沿街商铺"
	case "背街小巷":
		return pick(rng, laneWords) + pick(rng, laneSuffix)
	case "农贸市场":
		return pick(rng, marketWords) + "农贸市场"
	case "学校周边":
		return pick(rng, schoolWords) + pick(rng, schoolKinds) + "周边"
	case "医院周边":
		if rng.IntN(3) == 0 {
			return strings.TrimSuffix(community, "社区") + "社区卫生服务站周边"
		}
		return pick(rng, hospitals) + "周边"
	case "公园广场":
		return pick(rng, parkWords) + pick(rng, parkSuffix)
	case "企业":
		return "兖州" + pick(rng, firmWords) + pick(rng, firmTrades) + "有限公司"
	case "工地":
		return pick(rng, compoundWords) + pick(rng, compoundSuffixNew) + pick(rng, projectWords) + "项目工地"
	default:
		return community + pick(rng, publicPlaces)
	}
}

// Chinese names: common surnames of south-west Shandong, weighted (孔, 颜
// and 孟 are frequent around Qufu and Zoucheng), and given-name characters.
var surnames = []struct {
	s string
	w int
}{
	{"王", 90}, {"张", 80}, {"李", 80}, {"刘", 60}, {"孙", 35}, {"赵", 30}, {"杨", 30}, {"陈", 28},
	{"徐", 22}, {"马", 20}, {"高", 20}, {"朱", 18}, {"孔", 18}, {"颜", 12}, {"孟", 12}, {"郭", 15},
	{"吴", 12}, {"周", 12}, {"胡", 10}, {"田", 10}, {"韩", 10}, {"曹", 10}, {"丁", 8}, {"付", 8},
	{"宋", 10}, {"董", 9}, {"吕", 8}, {"魏", 8}, {"冯", 8}, {"黄", 8}, {"石", 6}, {"崔", 6},
	{"程", 6}, {"姜", 6}, {"谢", 5}, {"于", 8}, {"薛", 6}, {"许", 6}, {"贾", 5}, {"邵", 5},
}

var givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文玉兰红梅志鹏飞海波宁辉丹萍鑫浩宇晨阳凯欣颖琳婷慧雪倩晶斌峰亮林东春晓雷蕾庆祥瑞永振德成兴福昌茂广利金燕凤荣爱彬鸿博硕嘉怡琪雯睿哲")

var surnameTotal = func() int {
	n := 0
	for _, s := range surnames {
		n += s.w
	}
	return n
}()

func personName(rng *rand.Rand) string {
	x := rng.IntN(surnameTotal)
	s := surnames[0].s
	for _, c := range surnames {
		if x < c.w {
			s = c.s
			break
		}
		x -= c.w
	}
	g := string(givenChars[rng.IntN(len(givenChars))])
	if rng.IntN(10) < 7 {
		g += string(givenChars[rng.IntN(len(givenChars))])
	}
	return s + g
}

// phones hands out unique fake mobile numbers: 11 digits from 13x, 15x or
// 18x prefixes.
type phones struct {
	rng  *rand.Rand
	used map[string]bool
}

func (p *phones) next() string {
	prefixes := []string{"13", "15", "18"}
	for {
		n := fmt.Sprintf("%s%d%08d", pick(p.rng, prefixes), p.rng.IntN(10), p.rng.IntN(100000000))
		if !p.used[n] {
			p.used[n] = true
			return n
		}
	}
}

// uniqueNames draws names until one is new, then falls back to a suffix.
type uniqueNames map[string]bool

func (u uniqueNames) take(draw func() string, fallback string) string {
	for i := 0; i < 30; i++ {
		if n := draw(); !u[n] {
			u[n] = true
			return n
		}
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s%d", fallback, i); !u[n] {
			u[n] = true
			return n
		}
	}
}
