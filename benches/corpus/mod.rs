//! Synthetic benchmark corpus for baomi.
//!
//! Self-contained (std only). Produces deterministic, realistic-looking Chinese
//! government website text: notices (通知), work reports (工作总结), publicity lists
//! (公示) with tables and masked IDs, tender notices (招标公告), news items (政务动态)
//! and information-disclosure annual reports (政府信息公开工作年度报告).
//!
//! Planted findings appear at low, byte-scheduled rates: every planted kind recurs
//! after a random gap of 20–50 KB (so roughly 12 planted items per ~35 KB overall):
//! a valid 18-digit resident ID (MOD 11-2), a valid mobile number, a UnionPay card
//! (62 + Luhn), 内部资料, 妥否，请批示, 稳控措施, 标底价：N万元, 机密★N年, 个人隐私,
//! 信访, 征求意见稿, 商业秘密. Everything else is "clean" government prose with
//! plenty of harmless digits (amounts, dates, percentages, landlines 0574-8xxxxxxx,
//! hotline 12345, document numbers 〔2025〕12号, index numbers with a valid USCC,
//! masked IDs such as 330211**********34).
//!
//! All identifiers are synthetic; a match to a real number is accidental.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Write as _;

// ---------------------------------------------------------------------------
// PRNG: splitmix64 (public-domain algorithm by Sebastiano Vigna).
// ---------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed ^ 0x6A09_E667_F3BC_C908);
        r.next_u64();
        r
    }
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
    /// Uniform in `lo..=hi`.
    #[inline]
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }
    /// True with probability `pct` / 100.
    #[inline]
    fn pct(&mut self, pct: u32) -> bool {
        self.below(100) < pct as usize
    }
    #[inline]
    fn pick(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

#[rustfmt::skip]
const AREAS: &[&str] = &[
    "宁波市", "杭州市", "温州市", "绍兴市", "湖州市", "嘉兴市", "金华市", "台州市", "舟山市",
    "镇海区", "海曙区", "江北区", "北仑区", "鄞州区", "奉化区", "余姚市", "慈溪市", "宁海县",
    "象山县", "西湖区", "上城区", "拱墅区", "滨江区", "萧山区", "余杭区", "临平区", "富阳区",
    "桐庐县", "淳安县", "建德市", "诸暨市", "嵊州市", "乐清市", "瑞安市", "义乌市", "东阳市",
];

#[rustfmt::skip]
const DEPTS: &[&str] = &[
    "人民政府办公室", "发展和改革局", "经济和信息化局", "教育局", "科学技术局", "民政局",
    "司法局", "财政局", "人力资源和社会保障局", "自然资源和规划局", "生态环境分局",
    "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化广电旅游体育局",
    "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局",
    "医疗保障局", "综合行政执法局", "大数据发展管理局", "机关事务管理中心", "政务服务管理办公室",
    "残疾人联合会", "城市管理局", "林业局", "消防救援大队", "人民防空办公室", "投资促进中心",
];

#[rustfmt::skip]
const TOWNS: &[&str] = &[
    "招宝山街道", "蛟川街道", "骆驼街道", "庄市街道", "贵驷街道", "澥浦镇", "九龙湖镇",
    "梅墟街道", "姜山镇", "横溪镇", "梁弄镇", "泗门镇", "西店镇", "石浦镇", "丹城街道",
    "古林镇", "集士港镇", "洞桥镇", "五乡镇", "咸祥镇", "瞻岐镇", "塘溪镇", "东钱湖镇",
    "溪口镇", "莼湖街道", "大碶街道", "小港街道", "春晓街道", "长河镇", "观海卫镇",
];

#[rustfmt::skip]
const VILLAGES: &[&str] = &[
    "河头村", "汶溪村", "田顾村", "光明社区", "民和社区", "新城社区", "胜利村", "永红村",
    "东升社区", "金湖村", "西河村", "前洋村", "五星村", "联合村", "新塘村", "里洋村",
    "清水湖社区", "凤凰山村", "南山村", "后洋社区", "湖塘村", "杨家村", "下应社区", "横山村",
];

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹",
    "曾", "彭", "蔡", "潘", "田", "董", "袁", "于", "余", "叶", "蒋", "杜", "苏", "魏", "程",
    "吕", "丁", "沈", "任", "姚", "卢", "傅", "钟", "姜", "崔", "谭", "范", "汪", "陆", "金",
    "石", "戴", "贾", "夏", "邱", "方", "侯", "邹", "孟", "秦", "江", "薛", "应", "竺", "虞",
];

#[rustfmt::skip]
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "志", "文", "海", "红",
    "玉", "兰", "春", "梅", "林", "斌", "波", "辉", "鹏", "宇", "浩", "凯", "俊", "峰", "琳",
    "燕", "晨", "婷", "雪", "慧", "佳", "颖", "欣", "立", "新", "德", "荣", "振", "永", "宏",
    "福", "云", "飞", "成", "忠", "祥", "根", "宝", "彩", "凤", "素", "珍", "亚", "跃", "丰",
];

#[rustfmt::skip]
const WORKS: &[&str] = &[
    "安全生产治本攻坚", "城乡环境综合整治", "营商环境优化提升", "基层社会治理", "乡村振兴",
    "老旧小区综合改造", "防汛防台", "生活垃圾分类", "数字化改革", "共同富裕示范区建设",
    "未来社区建设", "和美乡村建设", "河湖长制", "耕地保护", "全国文明城市创建",
    "安全隐患排查治理", "食品安全监管", "消防安全集中整治", "养老服务体系建设", "就业创业服务",
    "重大项目建设", "招商引资", "农村人居环境整治", "城镇燃气安全排查整治",
    "电动自行车全链条安全隐患整治", "校园安全", "医保基金监管", "住房保障", "政务服务增值化改革",
    "低效工业用地整治", "历史文化街区保护", "城市更新", "公共文化服务体系建设",
    "义务教育优质均衡", "全民参保", "森林防灭火", "地质灾害防治", "大气污染防治",
    "美丽河湖建设", "农村饮用水达标提标", "高标准农田建设", "“千万工程”", "无废城市建设",
    "山区海岛县高质量发展", "民营经济高质量发展", "残疾人基本康复服务", "托育服务体系建设",
];

#[rustfmt::skip]
const LEADS: &[&str] = &[
    "深入贯彻落实", "扎实推进", "全面加强", "持续深化", "统筹推进", "切实做好", "加快推进",
    "着力抓好", "大力实施", "稳步推进", "高质量推进", "认真组织开展", "全力以赴做好",
    "不断完善", "进一步规范", "系统推进", "纵深推进",
];

const POLICY_LEADS: &[&str] = &[
    "深入贯彻落实",
    "认真贯彻",
    "全面落实",
    "坚决贯彻落实",
    "深入学习贯彻",
];

#[rustfmt::skip]
const MEASURES: &[&str] = &[
    "建立健全工作机制", "压实属地管理责任", "强化督查考核", "完善长效管理机制",
    "加强部门协同联动", "落实“一岗双责”", "细化工作任务清单", "实行清单化管理",
    "建立问题整改台账", "开展常态化督查", "强化要素保障", "加大财政资金投入力度",
    "完善考核评价体系", "推动数字赋能", "加强业务培训", "畅通群众诉求反映渠道", "落实闭环管理",
    "推行网格化服务", "强化源头治理", "坚持问题导向", "健全联席会议制度", "加强信息共享",
    "实施分类指导", "开展“回头看”", "落实领导包片联系制度", "优化审批服务流程",
    "完善应急响应机制", "加强执法监管", "严格项目准入", "强化绩效评价", "推进标准化建设",
    "健全部门联动机制", "加强队伍建设", "强化舆论宣传引导", "严格资金监管",
    "定期通报工作进展", "开展专项执法检查", "建立“一户一档”", "落实“首问负责制”",
];

#[rustfmt::skip]
const RESULTS: &[&str] = &[
    "取得明显成效", "群众获得感、幸福感、安全感持续增强", "各项指标稳中有进",
    "工作水平不断提升", "营商环境进一步优化", "基层治理效能显著提升", "圆满完成年度目标任务",
    "形成了一批可复制可推广的经验做法", "为全市经济社会高质量发展提供了有力保障",
    "较好地发挥了示范引领作用", "工作得到上级部门充分肯定", "群众满意度稳步提高",
    "安全形势总体平稳", "服务效能明显提升", "城乡面貌焕然一新", "发展基础进一步夯实",
];

#[rustfmt::skip]
const GOALS: &[&str] = &[
    "各项工作落到实处", "按时保质完成目标任务", "不发生较大及以上安全事故", "资金安全高效使用",
    "群众满意率达到95%以上", "问题整改到位", "工作有序推进", "政策措施落地见效",
    "惠民政策精准落实", "项目按期开工建设", "服务质量持续提升",
];

#[rustfmt::skip]
const POLICIES: &[&str] = &[
    "党的二十届三中全会精神", "省委、省政府决策部署", "市委、市政府工作要求",
    "《中华人民共和国安全生产法》", "《优化营商环境条例》", "《浙江省数字化改革总体方案》",
    "《社会救助暂行办法》", "《中华人民共和国政府采购法》", "《浙江省乡村振兴促进条例》",
    "《国务院关于加强数字政府建设的指导意见》", "《中华人民共和国招标投标法》",
    "《浙江省生活垃圾管理条例》", "《中华人民共和国消防法》", "《城镇燃气管理条例》",
];

#[rustfmt::skip]
const REGS: &[&str] = &[
    "专项资金管理办法", "政府投资项目管理办法", "临时救助实施细则", "城乡居民最低生活保障实施办法",
    "物业管理办法", "城市绿化管理办法", "农村宅基地管理办法", "公共租赁住房管理办法",
    "人才安居实施办法", "养老服务补贴实施细则", "扶持民营经济发展若干政策",
    "城镇老旧小区改造实施方案", "农村公路养护管理办法", "电动自行车管理办法",
];

#[rustfmt::skip]
const UNITS_ADDR: &[&str] = &[
    "各县（市、区）人民政府，市直有关单位：",
    "各镇人民政府、街道办事处，区级各部门：",
    "各乡镇（街道），县级各有关单位：",
    "各有关单位：",
    "局机关各处室、各直属单位：",
];

const UNIT_KINDS: &[&str] = &[
    "地各部门",
    "镇（街道）",
    "有关单位",
    "责任单位",
    "职能部门",
    "区县（市）",
];

#[rustfmt::skip]
const HEADINGS: &[&str] = &[
    "总体要求", "工作目标", "主要任务", "重点任务", "实施步骤", "保障措施", "工作要求",
    "组织领导", "资金管理", "监督检查", "职责分工", "主要做法", "基本情况", "进度安排",
    "考核评价", "适用范围", "申报条件", "申报程序", "补助标准",
];

#[rustfmt::skip]
const SUBHEADINGS: &[&str] = &[
    "加强组织领导", "强化资金保障", "严格督查考核", "注重宣传引导", "压实工作责任",
    "完善工作机制", "突出重点领域", "抓好问题整改", "强化协同联动", "提升服务效能",
    "夯实基层基础", "加强队伍建设", "深化改革创新", "坚持系统治理", "强化数字赋能",
    "严格执法监管", "健全长效机制", "聚焦民生实事", "优化审批流程", "推进示范创建",
];

#[rustfmt::skip]
const METRICS: &[(&str, &str)] = &[
    ("固定资产投资", "亿元"), ("地区生产总值", "亿元"), ("一般公共预算收入", "亿元"),
    ("社会消费品零售总额", "亿元"), ("规上工业增加值", "亿元"), ("外贸进出口总额", "亿元"),
    ("民间投资", "亿元"), ("实际使用外资", "亿美元"), ("数字经济核心产业增加值", "亿元"),
];

#[rustfmt::skip]
const THINGS: &[(&str, &str)] = &[
    ("农村公路", "公里"), ("污水管网", "公里"), ("口袋公园", "个"), ("老旧小区", "个"),
    ("公共充电桩", "个"), ("居家养老服务中心", "家"), ("5G基站", "个"), ("公共停车泊位", "个"),
    ("村级便民服务中心", "个"), ("城市绿道", "公里"), ("农贸市场", "家"), ("公共厕所", "座"),
    ("普惠性幼儿园", "所"), ("应急避难场所", "处"), ("海塘", "公里"), ("山塘水库", "座"),
];

#[rustfmt::skip]
const ACTIONS: &[(&str, &str)] = &[
    ("开展专项检查", "次"), ("出动执法人员", "人次"), ("排查各类隐患", "处"),
    ("立案查处违法行为", "起"), ("走访企业", "家"), ("组织培训", "期"), ("举办招聘会", "场"),
    ("帮助解决企业难题", "个"), ("新增城镇就业", "人"), ("办理审批事项", "件"),
    ("发放宣传资料", "份"), ("开展应急演练", "场次"), ("完成抽检", "批次"),
];

#[rustfmt::skip]
const PRINCIPLES: &[&str] = &[
    "以人民为中心的发展思想", "稳中求进工作总基调", "系统观念", "底线思维", "问题导向和目标导向相结合",
    "“谁主管、谁负责”原则", "属地管理原则", "公开、公平、公正原则",
];

#[rustfmt::skip]
const OBJS: &[&str] = &[
    "在建工程", "重点企业", "人员密集场所", "九小场所", "出租房屋", "危险化学品企业",
    "农贸市场", "养老机构", "中小学校", "医疗机构", "物业小区", "道路运输企业",
];

const MGMTS: &[&str] = &[
    "清单化管理",
    "动态管理",
    "闭环管理",
    "分级分类管理",
    "台账式管理",
    "专账核算",
];

#[rustfmt::skip]
const FOURS: &[&str] = &[
    "底数清", "情况明", "责任实", "措施硬", "问题不解决不放过", "整改不到位不销号",
    "早发现、早处置", "全覆盖、无死角", "件件有着落", "事事有回音",
];

#[rustfmt::skip]
const ROLES: &[&str] = &[
    "副市长", "区委常委、副区长", "副县长", "局党组书记、局长", "局党委委员、副局长",
    "市政府副秘书长", "区人大常委会副主任", "镇党委书记", "街道党工委书记", "县政协副主席",
];

#[rustfmt::skip]
const IMPORTANCE: &[&str] = &[
    "一项重要的民生工程", "推动高质量发展的重要抓手", "践行以人民为中心发展思想的具体体现",
    "检验作风能力的重要标尺", "一项长期性、系统性工作",
];

#[rustfmt::skip]
const BAD: &[&str] = &[
    "工作推进不力、造成严重后果", "弄虚作假、虚报冒领补助资金", "违规挤占挪用专项资金",
    "未按要求落实整改", "拒不履行安全生产主体责任", "违反项目建设程序",
];

#[rustfmt::skip]
const REPORTS: &[&str] = &[
    "工作总结", "年度工作报告", "项目进展情况", "资金使用情况", "自查报告", "整改落实情况",
    "统计报表", "工作信息",
];

#[rustfmt::skip]
const USES: &[&str] = &[
    "基础设施提升改造", "困难群众生活补助", "设备购置及运行维护", "人员培训及宣传推广",
    "示范点创建奖补", "智慧平台建设", "应急物资储备", "企业技术改造补助",
];

const SLOGANS: &[&str] = &[
    "最多跑一次",
    "一件事一次办",
    "大综合一体化",
    "四个一批",
    "八八战略",
    "马上就办",
];

#[rustfmt::skip]
const QUALITIES: &[&str] = &[
    "公共服务水平", "群众满意度", "治理精细化水平", "行政执法规范化水平", "项目建设质量",
    "应急处置能力", "资金使用绩效", "政务服务便利度",
];

#[rustfmt::skip]
const KPIS: &[&str] = &[
    "城镇生活垃圾分类覆盖面", "农村生活污水处理设施标准化运维率", "一网通办率",
    "地表水省控断面达标率", "空气质量优良天数比例", "城乡居民医保参保率", "适龄儿童入学率",
    "即办件比例", "按时办结率",
];

#[rustfmt::skip]
const PROBLEMS: &[&str] = &[
    "部分单位思想认识不到位", "工作进展不平衡", "基层力量相对薄弱", "资金保障压力较大",
    "长效管理机制有待完善", "部分项目推进缓慢", "数据共享程度不高", "宣传引导力度不够",
    "专业人才较为缺乏", "群众参与度有待提升", "部门协同还不够紧密", "个别问题反复出现",
];

#[rustfmt::skip]
const ACTIVITIES: &[&str] = &[
    "主题宣传活动", "志愿服务活动", "文化惠民演出", "政策宣讲", "送法进社区活动", "便民服务活动",
];

const CHANNELS: &[&str] = &[
    "“浙里办”APP",
    "政府门户网站“政民互动”栏目",
    "部门公开电话",
    "现场窗口",
];

#[rustfmt::skip]
const SUBSIDIES: &[&str] = &[
    "困难群众临时救助", "城乡居民最低生活保障", "困难残疾人生活补贴", "高龄津贴", "农村困难家庭危房改造补助",
    "创业担保贷款贴息", "就业见习补贴", "耕地地力保护补贴", "人才安居补助", "企业吸纳就业社保补贴",
    "家庭农场示范场奖补", "既有住宅加装电梯补助",
];

const VERBS_GIVE: &[&str] = &["发放", "给予", "享受", "认定"];

const COMPANY_PRE: &[&str] = &[
    "浙江", "宁波", "杭州", "温州", "绍兴", "台州", "中铁", "中建",
];
#[rustfmt::skip]
const COMPANY_MID: &[&str] = &[
    "恒信", "华丰", "东方", "宏达", "中诚", "鼎盛", "天成", "永安", "明州", "甬建", "海天",
    "交工", "城建", "远大", "诚泰", "瑞丰", "同济", "锦程",
];
#[rustfmt::skip]
const COMPANY_IND: &[&str] = &[
    "建设工程", "市政园林", "信息技术", "环境科技", "工程咨询", "交通工程", "建筑设计研究院",
    "水利水电工程", "智能科技", "招标代理",
];

const PROJECT_KIND: &[&str] = &[
    "施工",
    "监理",
    "设计",
    "货物采购",
    "服务采购",
    "工程总承包（EPC）",
];
#[rustfmt::skip]
const PROJECT_OBJ: &[&str] = &[
    "道路提升改造工程", "污水零直排区建设工程", "老旧小区综合改造工程", "河道综合治理工程",
    "中心小学改扩建工程", "智慧城管平台升级项目", "农村公路安全生命防护工程", "公园景观提升工程",
    "雨污分流改造工程", "社区卫生服务中心迁建工程", "物业保洁服务项目", "档案数字化加工服务项目",
];

#[rustfmt::skip]
const DOC_PREFIX: &[&str] = &[
    "甬政办发", "镇政发", "杭政办函", "镇应急", "甬财预", "浙政发", "余政办发", "宁政办发",
    "甬建发", "鄞政发", "北政办", "象政发", "慈政办发", "镇财", "海政办发", "江政发",
];

const LANDLINE_AREA: &[&str] = &[
    "0574", "0571", "0577", "0575", "0572", "0573", "0579", "0576",
];

#[rustfmt::skip]
const ID_REGIONS: &[&str] = &[
    "330211", "330203", "330205", "330206", "330212", "330213", "330281", "330282", "330226",
    "330225", "330106", "330102", "330105", "330108", "330109", "330110", "330122", "330182",
    "330302", "330304", "330402", "330502", "330602", "330702", "331002", "110105", "310115",
    "320106", "440106", "510107", "420111", "370212", "350203",
];

#[rustfmt::skip]
const MOBILE_PREFIX: &[&str] = &[
    "139", "138", "137", "136", "135", "134", "150", "151", "152", "157", "158", "159", "182",
    "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180",
    "181", "189", "177", "199", "191", "198",
];

#[rustfmt::skip]
const CARD_BINS: &[&str] = &["621700", "622202", "622848", "621661", "623058", "621483", "622700", "621799", "622908", "621226"];

const ISSUES: &[&str] = &[
    "土地征收补偿",
    "房屋拆迁安置",
    "物业服务纠纷",
    "拖欠工程款",
    "邻里宅基地",
    "社保待遇核定",
];

// ---------------------------------------------------------------------------
// Planted items
// ---------------------------------------------------------------------------

const P_ID: usize = 0;
const P_MOBILE: usize = 1;
const P_CARD: usize = 2;
const P_NEIBU: usize = 3;
const P_PIZHI: usize = 4;
const P_WENKONG: usize = 5;
const P_BIAODI: usize = 6;
const P_MIJI: usize = 7;
const P_YINSI: usize = 8;
const P_XINFANG: usize = 9;
const P_ZHENGQIU: usize = 10;
const P_SHANGMI: usize = 11;
const N_PLANT: usize = 12;

/// Document genres, used to place planted items where they would plausibly occur.
const G_NOTICE: u8 = 0;
const G_REPORT: u8 = 1;
const G_PUBLICITY: u8 = 2;
const G_TENDER: u8 = 3;
const G_NEWS: u8 = 4;
const G_ANNUAL: u8 = 5;

/// Planted kinds allowed inline in each genre (bit k = planted kind k).
fn allowed_kinds(genre: u8) -> u32 {
    let b = |k: usize| 1u32 << k;
    match genre {
        G_NOTICE => {
            b(P_ID)
                | b(P_MOBILE)
                | b(P_CARD)
                | b(P_NEIBU)
                | b(P_PIZHI)
                | b(P_WENKONG)
                | b(P_YINSI)
                | b(P_ZHENGQIU)
                | b(P_SHANGMI)
        }
        G_REPORT => b(P_MOBILE) | b(P_CARD) | b(P_NEIBU) | b(P_PIZHI) | b(P_WENKONG) | b(P_XINFANG),
        G_PUBLICITY => b(P_ID) | b(P_MOBILE) | b(P_CARD) | b(P_YINSI),
        G_TENDER => b(P_MOBILE) | b(P_BIAODI) | b(P_SHANGMI),
        G_NEWS => {
            b(P_ID)
                | b(P_MOBILE)
                | b(P_NEIBU)
                | b(P_WENKONG)
                | b(P_YINSI)
                | b(P_XINFANG)
                | b(P_ZHENGQIU)
        }
        _ => b(P_YINSI) | b(P_XINFANG),
    }
}

const GAP_MIN: usize = 20 * 1024;
const GAP_MAX: usize = 50 * 1024;

#[derive(Clone, Copy)]
struct Ctx {
    area: &'static str,
    dept: &'static str,
    work: &'static str,
    year: u32,
}

struct Gen {
    r: Rng,
    out: String,
    next_plant: [usize; N_PLANT],
    /// Number of due-but-not-yet-placed items per planted kind.
    due: [u32; N_PLANT],
    /// Bit k set iff `due[k] > 0`.
    pending: u32,
    allowed: u32,
}

fn is_leap(y: u32) -> bool {
    let (r4, r100, r400) = (y % 4, y % 100, y % 400);
    (r4 == 0 && r100 != 0) || r400 == 0
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 => {
            if is_leap(y) {
                29
            } else {
                28
            }
        }
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
#[rustfmt::skip]
const ID_CHECK: &[u8; 11] = b"10X98765432";

fn id_check_char(first17: &[u8]) -> u8 {
    let s: u32 = first17
        .iter()
        .zip(ID_WEIGHTS.iter())
        .map(|(&d, &w)| (d - b'0') as u32 * w)
        .sum();
    ID_CHECK[(s % 11) as usize]
}

fn luhn_check_digit(payload: &[u8]) -> u8 {
    // payload excludes the check digit; double every second digit from the right.
    let mut sum = 0u32;
    for (i, &c) in payload.iter().rev().enumerate() {
        let mut d = (c - b'0') as u32;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    b'0' + ((10 - sum % 10) % 10) as u8
}

#[rustfmt::skip]
const USCC_ALPHA: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_value(c: u8) -> u32 {
    USCC_ALPHA.iter().position(|&x| x == c).unwrap_or(0) as u32
}

impl Gen {
    fn new(seed: u64, cap: usize) -> Self {
        let mut r = Rng::new(seed);
        let mut next_plant = [0usize; N_PLANT];
        for np in next_plant.iter_mut() {
            // Desynchronise the kinds: first occurrence somewhere in the first gap.
            *np = GAP_MIN / 4 + r.below(GAP_MAX);
        }
        Gen {
            r,
            out: String::with_capacity(cap),
            next_plant,
            due: [0; N_PLANT],
            pending: 0,
            allowed: 0,
        }
    }

    // ----- low-level writers ------------------------------------------------

    #[inline]
    fn p(&mut self, s: &str) {
        self.out.push_str(s);
    }
    #[inline]
    fn pk(&mut self, xs: &[&'static str]) {
        let s = self.r.pick(xs);
        self.out.push_str(s);
    }
    #[inline]
    fn num(&mut self, lo: u32, hi: u32) {
        let n = self.r.range(lo, hi);
        let _ = write!(self.out, "{}", n);
    }
    /// One-decimal number such as 12.5
    #[inline]
    fn dec(&mut self, lo: u32, hi: u32) {
        let n = self.r.range(lo, hi);
        let d = self.r.below(10);
        let _ = write!(self.out, "{}.{}", n, d);
    }
    #[inline]
    fn pctv(&mut self, lo: u32, hi: u32) {
        self.dec(lo, hi);
        self.out.push('%');
    }
    /// End the current line and update the plant schedule.
    fn nl(&mut self) {
        self.out.push('\n');
        let len = self.out.len();
        for k in 0..N_PLANT {
            if len >= self.next_plant[k] {
                self.due[k] += 1;
                self.pending |= 1 << k;
                let gap = GAP_MIN + self.r.below(GAP_MAX - GAP_MIN + 1);
                self.next_plant[k] = len + gap;
            }
        }
    }
    /// Consume pending planted kind `k` if it is due and allowed in the current genre.
    fn take(&mut self, k: usize) -> bool {
        let had = self.pending & self.allowed & (1 << k) != 0;
        if had {
            self.due[k] -= 1;
            if self.due[k] == 0 {
                self.pending &= !(1 << k);
            }
        }
        had
    }

    /// Pick an element of `xs` (at most 64 long) not yet marked in `used`, if possible.
    fn pick_excl(&mut self, xs: &[&'static str], used: &mut u64) -> &'static str {
        let mut i = self.r.below(xs.len());
        for _ in 0..8 {
            if *used & (1u64 << (i % 64)) == 0 {
                break;
            }
            i = self.r.below(xs.len());
        }
        *used |= 1u64 << (i % 64);
        xs[i]
    }
    fn pkx(&mut self, xs: &[&'static str], used: &mut u64) {
        let s = self.pick_excl(xs, used);
        self.out.push_str(s);
    }

    fn name(&mut self) {
        self.pk(SURNAMES);
        self.pk(GIVEN);
        if self.r.pct(70) {
            self.pk(GIVEN);
        }
    }
    fn masked_name(&mut self) {
        self.pk(SURNAMES);
        match self.r.below(3) {
            0 => self.p("*"),
            1 => {
                self.p("*");
                self.pk(GIVEN);
            }
            _ => self.p("某某"),
        }
    }
    fn date(&mut self, year: u32) {
        let m = self.r.range(1, 12);
        let d = self.r.range(1, days_in_month(year, m));
        let _ = write!(self.out, "{}年{}月{}日", year, m, d);
    }
    fn iso_date(&mut self, year: u32) {
        let m = self.r.range(1, 12);
        let d = self.r.range(1, days_in_month(year, m));
        let _ = write!(self.out, "{}-{:02}-{:02}", year, m, d);
    }
    fn landline(&mut self) {
        let a = self.r.pick(LANDLINE_AREA);
        let n = self.r.range(0, 9_999_999);
        let _ = write!(self.out, "{}-8{:07}", a, n);
    }
    fn doc_number(&mut self, year: u32) {
        self.pk(DOC_PREFIX);
        let _ = write!(self.out, "〔{}〕{}号", year, self.r.range(1, 186));
    }
    fn company(&mut self) {
        self.pk(COMPANY_PRE);
        self.pk(COMPANY_MID);
        self.pk(COMPANY_IND);
        self.p("有限公司");
    }
    fn masked_id(&mut self) {
        let reg = self.r.pick(ID_REGIONS);
        self.p(reg);
        match self.r.below(10) {
            0..=6 => {
                let _ = write!(self.out, "**********{:02}", self.r.below(100));
            }
            7 | 8 => {
                let _ = write!(
                    self.out,
                    "{}****{:04}",
                    self.r.range(1950, 2005),
                    self.r.below(10000)
                );
            }
            _ => {
                let _ = write!(
                    self.out,
                    "********{:03}{}",
                    self.r.below(1000),
                    self.r.below(10)
                );
            }
        }
    }

    // ----- valid identifiers (planted) ------------------------------------

    fn valid_id(&mut self) {
        let mut b = [0u8; 18];
        b[..6].copy_from_slice(self.r.pick(ID_REGIONS).as_bytes());
        let y = self.r.range(1945, 2008);
        let m = self.r.range(1, 12);
        let d = self.r.range(1, days_in_month(y, m));
        let seq = self.r.range(1, 999);
        let tail = format!("{:04}{:02}{:02}{:03}", y, m, d, seq);
        b[6..17].copy_from_slice(tail.as_bytes());
        b[17] = id_check_char(&b[..17]);
        self.out.push_str(std::str::from_utf8(&b).unwrap());
    }
    fn valid_mobile(&mut self) {
        let p = self.r.pick(MOBILE_PREFIX);
        let _ = write!(self.out, "{}{:08}", p, self.r.below(100_000_000));
    }
    fn valid_card(&mut self) {
        let len = if self.r.pct(60) { 19 } else { 16 };
        let mut s = String::with_capacity(19);
        s.push_str(self.r.pick(CARD_BINS));
        while s.len() < len - 1 {
            s.push((b'0' + self.r.below(10) as u8) as char);
        }
        let c = luhn_check_digit(s.as_bytes());
        s.push(c as char);
        self.out.push_str(&s);
    }
    /// Valid unified social credit code of a government agency (登记管理部门 1, 类别 1).
    fn uscc(&mut self) {
        let mut b = Vec::with_capacity(18);
        b.extend_from_slice(b"11");
        b.extend_from_slice(self.r.pick(ID_REGIONS).as_bytes());
        // GB 11714 organisation code: 8 body chars + check.
        let body = format!("00{:06}", self.r.below(1_000_000));
        const OW: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
        let s: u32 = body
            .bytes()
            .zip(OW.iter())
            .map(|(c, &w)| uscc_value(c) * w)
            .sum();
        let oc = match 11 - s % 11 {
            10 => b'X',
            11 => b'0',
            v => b'0' + v as u8,
        };
        b.extend_from_slice(body.as_bytes());
        b.push(oc);
        let mut sum = 0u32;
        let mut w = 1u32;
        for &c in &b {
            sum += uscc_value(c) * w;
            w = w * 3 % 31;
        }
        b.push(USCC_ALPHA[((31 - sum % 31) % 31) as usize]);
        self.out.push_str(std::str::from_utf8(&b).unwrap());
    }

    // ----- planted sentences ----------------------------------------------

    /// Append planted sentences (inline kinds) to the current paragraph.
    fn flush_inline(&mut self, c: &Ctx) {
        if self.pending & self.allowed == 0 {
            return;
        }
        if self.take(P_ID) {
            match self.r.below(3) {
                0 => {
                    self.p("经审核，");
                    self.pk(TOWNS);
                    self.pk(VILLAGES);
                    self.name();
                    self.p("（身份证号码：");
                    self.valid_id();
                    self.p("）符合");
                    self.pk(SUBSIDIES);
                    self.p("条件，拟予以");
                    self.pk(VERBS_GIVE);
                    self.p("。");
                }
                1 => {
                    self.p("申请人");
                    self.name();
                    self.pk(&["，男，", "，女，"]);
                    self.p("公民身份号码");
                    self.valid_id();
                    self.p("，现住");
                    self.pk(TOWNS);
                    self.pk(VILLAGES);
                    self.num(1, 199);
                    self.p("号。");
                }
                _ => {
                    self.p("当事人");
                    self.name();
                    self.p("（身份证号：");
                    self.valid_id();
                    self.p("）未按规定办理相关手续，执法人员已责令其限期改正。");
                }
            }
        }
        if self.take(P_MOBILE) {
            match self.r.below(3) {
                0 => {
                    self.p("联系人：");
                    self.name();
                    self.p("，联系电话：");
                    self.valid_mobile();
                    self.p("。");
                }
                1 => {
                    self.p("如有疑问，请与");
                    self.pk(TOWNS);
                    self.name();
                    self.p("同志联系（手机：");
                    self.valid_mobile();
                    self.p("）。");
                }
                _ => {
                    self.p("项目现场负责人");
                    self.name();
                    self.p("，手机");
                    self.valid_mobile();
                    self.p("，请各施工单位保持通讯畅通。");
                }
            }
        }
        if self.take(P_CARD) {
            if self.r.pct(50) {
                self.p("补助资金将通过社会保障卡发放至");
                self.name();
                self.p("本人账户（卡号：");
                self.valid_card();
                self.p("）。");
            } else {
                self.p("请将款项汇入以下账户：户名");
                self.name();
                self.p("，开户行中国农业银行");
                self.p(c.area);
                self.p("支行，银行卡号");
                self.valid_card();
                self.p("。");
            }
        }
        if self.take(P_NEIBU) {
            self.pk(&[
                "本材料为内部资料，仅供工作参考。",
                "以上数据为内部资料，请勿对外引用。",
            ]);
        }
        if self.take(P_PIZHI) {
            if self.r.pct(50) {
                self.p("当前");
                self.p(c.work);
                self.p("资金缺口约");
                self.dec(50, 900);
                self.p("万元，恳请");
                self.p(c.area);
                self.p("人民政府给予支持。");
            }
            self.p("以上请示，妥否，请批示。");
        }
        if self.take(P_WENKONG) {
            if self.r.pct(50) {
                self.p("各镇（街道）要对重点人员逐一落实稳控措施，确保重要节点期间平稳有序。");
            } else {
                self.p("会议要求，属地要压实包保责任，切实落实稳控措施，坚决防止发生极端事件。");
            }
        }
        if self.take(P_BIAODI) {
            self.p("本项目标底价：");
            self.dec(80, 2600);
            self.p("万元。");
        }
        if self.take(P_YINSI) {
            match self.r.below(3) {
                0 => self.p("公示内容涉及个人隐私的，已作隐名处理。"),
                1 => self.p("对涉及个人隐私的信息，未经本人同意不得对外提供。"),
                _ => {
                    self.name();
                    self.p("反映其个人隐私信息被物业公司张贴公开，要求予以撤除。");
                }
            }
        }
        if self.take(P_XINFANG) {
            if self.r.pct(50) {
                self.p("全年共受理群众信访事项");
                self.num(20, 900);
                self.p("件，按期办结率");
                self.pctv(90, 99);
                self.p("。");
            } else {
                let _ = write!(self.out, "{}年{}月，", c.year, self.r.range(1, 12));
                self.pk(TOWNS);
                self.pk(VILLAGES);
                self.p("村民");
                self.name();
                self.p("就");
                self.pk(ISSUES);
                self.p("问题到区信访局反映诉求。");
            }
        }
        if self.take(P_ZHENGQIU) {
            self.p("《");
            self.p(c.area);
            self.pk(REGS);
            self.p("（征求意见稿）》已起草完成，现向社会公开征求意见，截止日期为");
            self.date(c.year);
            self.p("。");
        }
        if self.take(P_SHANGMI) {
            self.pk(&[
                "投标人应对投标文件中涉及商业秘密的内容予以标注。",
                "企业报送的材料中涉及商业秘密的部分，应当单独装订并作出说明。",
            ]);
        }
    }

    /// Classification mark at the head of a document (GB/T 9704 layout: optional 份号 line, then the mark).
    fn mark_header(&mut self) {
        if self.due[P_MIJI] > 0 {
            self.due[P_MIJI] -= 1;
            if self.due[P_MIJI] == 0 {
                self.pending &= !(1 << P_MIJI);
            }
            if self.r.pct(40) {
                let _ = write!(self.out, "{:06}", self.r.range(1, 300));
                self.nl();
            }
            self.pk(&[
                "秘密★1年",
                "机密★10年",
                "机密★5年",
                "机密★5年",
                "机密★5年",
                "机密★5年",
            ]);
            self.nl();
        }
    }

    // ----- sentences --------------------------------------------------------

    fn sentence(&mut self, c: &Ctx) {
        match self.r.below(24) {
            0 => {
                self.pk(LEADS);
                self.p(c.work);
                self.p("，");
                self.pk(MEASURES);
                self.p("，");
                self.pk(MEASURES);
                self.p("，");
                self.pk(RESULTS);
                self.p("。");
            }
            1 => {
                self.p(c.area);
                self.p(c.dept);
                self.pk(LEADS);
                self.p(c.work);
                self.p("，");
                self.pk(MEASURES);
                self.p("，确保");
                self.pk(GOALS);
                self.p("。");
            }
            2 => {
                let _ = write!(self.out, "截至{}年{}月底，", c.year, self.r.range(2, 11));
                self.p(c.work);
                self.p("已完成年度计划的");
                self.pctv(40, 98);
                self.p("，");
                let (a, u) = ACTIONS[self.r.below(ACTIONS.len())];
                self.p("累计");
                self.p(a);
                self.num(12, 3800);
                self.p(u);
                self.p("。");
            }
            3 => {
                let (m, u) = METRICS[self.r.below(METRICS.len())];
                self.p("全年完成");
                self.p(m);
                self.dec(12, 1800);
                self.p(u);
                self.p("，同比增长");
                self.pctv(1, 15);
                self.pk(&["，增速高于全省平均水平。", "，总量居全市第"]);
                if self.out.ends_with('第') {
                    let _ = write!(
                        self.out,
                        "{}位。",
                        ["一", "二", "三", "四", "五"][self.r.below(5)]
                    );
                }
            }
            4 => {
                let _ = write!(self.out, "{}年以来，", c.year);
                self.p(c.area);
                let i1 = self.r.below(ACTIONS.len());
                let (a, u) = ACTIONS[i1];
                self.p("共");
                self.p(a);
                self.num(8, 2600);
                self.p(u);
                let (a2, u2) = ACTIONS[(i1 + 1 + self.r.below(ACTIONS.len() - 1)) % ACTIONS.len()];
                self.p("，");
                self.p(a2);
                self.num(5, 900);
                self.p(u2);
                self.p("，");
                self.pk(RESULTS);
                self.p("。");
            }
            5 => {
                self.p("要坚持");
                self.pk(PRINCIPLES);
                self.p("，");
                self.pk(MEASURES);
                self.p("，");
                self.pk(MEASURES);
                self.p("，切实做到");
                self.pk(FOURS);
                self.p("。");
            }
            6 => {
                self.p("各");
                self.pk(UNIT_KINDS);
                self.p("要");
                self.pk(LEADS);
                self.p(c.work);
                self.p("，对");
                self.pk(OBJS);
                self.p("实行");
                self.pk(MGMTS);
                self.p("，做到");
                self.pk(FOURS);
                self.p("、");
                self.pk(FOURS);
                self.p("。");
            }
            7 => {
                let _ = write!(
                    self.out,
                    "{}月{}日，",
                    self.r.range(1, 12),
                    self.r.range(1, 28)
                );
                self.p(c.area);
                self.pk(&["召开", "组织召开"]);
                self.p(c.work);
                self.p("工作推进会，");
                self.pk(ROLES);
                self.name();
                self.p("出席会议并讲话。");
            }
            8 => {
                self.p("会议指出，");
                self.p(c.work);
                self.p("是");
                self.pk(IMPORTANCE);
                self.p("，各级各部门要");
                self.pk(MEASURES);
                self.p("，");
                self.pk(MEASURES);
                self.p("。");
            }
            9 => {
                self.p("会议要求，各");
                self.pk(UNIT_KINDS);
                self.p("要");
                self.pk(MEASURES);
                self.p("，");
                self.pk(MEASURES);
                self.p("，推动");
                self.p(c.work);
                self.p("各项任务落地见效。");
            }
            10 => {
                self.pk(OBJS);
                self.p("要严格按照");
                self.pk(POLICIES);
                self.p("有关规定，");
                self.pk(MEASURES);
                self.p("，确保");
                self.pk(GOALS);
                self.p("。");
            }
            11 => {
                self.p("对");
                self.pk(BAD);
                self.p("的，依法依规严肃处理，并予以通报。");
            }
            12 => {
                self.p("请各");
                self.pk(UNIT_KINDS);
                self.p("于");
                self.date(c.year);
                self.p("前将");
                self.pk(REPORTS);
                self.p("报送");
                self.p(c.area);
                self.p(c.dept);
                self.p("，联系人：");
                self.name();
                self.p("，联系电话：");
                self.landline();
                self.p("。");
            }
            13 => {
                self.p("安排专项资金");
                self.dec(10, 4800);
                self.p("万元，用于");
                self.pk(USES);
                self.p("，资金使用实行");
                self.pk(MGMTS);
                self.p("，");
                self.pk(MEASURES);
                self.p("。");
            }
            14 => {
                self.p(c.area);
                self.p("共有");
                self.pk(OBJS);
                self.num(60, 4200);
                self.p("家，其中纳入重点监管");
                self.num(5, 59);
                self.p("家，占比");
                self.pctv(1, 30);
                self.p("，已全部完成");
                self.pk(&["风险评估。", "建档立卡。"]);
            }
            15 => {
                self.p("通过");
                self.pk(MEASURES);
                self.p("，共解决群众急难愁盼问题");
                self.num(30, 2200);
                self.p("个，办结率达");
                self.pctv(92, 99);
                self.p("。");
            }
            16 => {
                self.p("群众可通过12345政务服务便民热线或");
                self.pk(CHANNELS);
                self.p("反映问题，");
                self.pk(&[
                    "相关部门将在5个工作日内予以答复。",
                    "做到件件有着落、事事有回音。",
                ]);
            }
            17 => {
                let mut used_m = 0u64;
                self.p("一是");
                self.pkx(MEASURES, &mut used_m);
                self.p("；二是");
                self.pkx(MEASURES, &mut used_m);
                self.p("；三是");
                self.pkx(MEASURES, &mut used_m);
                self.p("。");
            }
            18 => {
                self.p("按照“");
                self.pk(SLOGANS);
                self.p("”的要求，");
                self.pk(MEASURES);
                self.p("，推动");
                self.p(c.work);
                self.p("提质增效。");
            }
            19 => {
                let (t, _u) = THINGS[self.r.below(THINGS.len())];
                let _ = write!(self.out, "{}年计划实施", c.year);
                self.p(t);
                self.p("建设项目");
                self.num(3, 120);
                self.p("个，总投资");
                let total = self.r.range(20, 960);
                let annual = total * self.r.range(15, 60) / 100;
                let _ = write!(
                    self.out,
                    "{}.{}亿元，其中年度计划投资{}.{}亿元。",
                    total / 10,
                    total % 10,
                    annual / 10,
                    annual % 10
                );
            }
            20 => {
                self.p("下一步，");
                self.p(c.area);
                self.p(c.dept);
                self.p("将继续");
                self.pk(LEADS);
                self.p(c.work);
                self.p("，");
                self.pk(MEASURES);
                self.p("，不断提升");
                self.pk(QUALITIES);
                self.p("。");
            }
            21 => {
                let (t, u) = THINGS[self.r.below(THINGS.len())];
                self.p("新建改造");
                self.p(t);
                self.num(3, 260);
                self.p(u);
                self.p("，完成投资");
                self.dec(50, 9800);
                self.p("万元，");
                self.pk(RESULTS);
                self.p("。");
            }
            22 => {
                self.p("全年共开展");
                self.pk(ACTIVITIES);
                self.num(12, 680);
                self.p("场次，参与群众");
                self.dec(1, 48);
                self.p("万人次，");
                self.pk(RESULTS);
                self.p("。");
            }
            _ => {
                self.pk(QUALITIES);
                self.p("持续提升，");
                self.pk(KPIS);
                self.p("达到");
                self.pctv(80, 99);
                self.p("，较上年提高");
                self.dec(0, 6);
                self.p("个百分点。");
            }
        }
    }

    /// A body paragraph of 1–3 sentences, with any pending planted items appended.
    fn body(&mut self, c: &Ctx) {
        let n = 2 + self.r.below(3);
        for _ in 0..n {
            self.sentence(c);
        }
        self.flush_inline(c);
        self.nl();
    }

    fn heading1(&mut self, i: usize) {
        const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        self.p(CN[i % 10]);
        self.p("、");
    }
    fn heading2(&mut self, i: usize) {
        const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        self.p("（");
        self.p(CN[i % 10]);
        self.p("）");
    }

    fn meta_header(&mut self, c: &Ctx) {
        self.p("索引号：");
        self.uscc();
        let _ = write!(self.out, "/{}-{:05}", c.year, self.r.range(1, 40000));
        self.p("　　发布机构：");
        self.p(c.area);
        self.p(c.dept);
        self.p("　　公开方式：主动公开　　发布日期：");
        self.iso_date(c.year);
        self.nl();
    }

    fn signature(&mut self, c: &Ctx) {
        self.p(c.area);
        self.p(c.dept);
        self.nl();
        self.date(c.year);
        self.nl();
    }

    // ----- document types -------------------------------------------------

    fn doc_notice(&mut self, c: &Ctx) {
        if self.r.pct(50) {
            self.p(c.area);
            self.p(c.dept);
            self.p("关于");
            self.pk(LEADS);
            let _ = write!(self.out, "{}年", c.year);
            self.p(c.work);
            self.p("工作的通知");
        } else {
            self.p("关于印发《");
            self.p(c.area);
            self.p(c.work);
            self.pk(&["实施方案", "三年行动计划"]);
            self.p("》的通知");
        }
        self.nl();
        self.doc_number(c.year);
        self.nl();
        self.pk(UNITS_ADDR);
        self.nl();
        self.p("为");
        self.pk(POLICY_LEADS);
        self.pk(POLICIES);
        self.p("，");
        self.pk(LEADS);
        self.p(c.work);
        self.p("，经");
        self.p(c.area);
        self.p("人民政府同意，现就有关事项通知如下：");
        self.nl();
        let ns = 3 + self.r.below(3);
        let (mut used_h, mut used_s) = (0u64, 0u64);
        for i in 0..ns {
            self.heading1(i);
            self.pkx(HEADINGS, &mut used_h);
            self.nl();
            let nsub = self.r.below(4);
            if nsub == 0 {
                self.body(c);
                self.body(c);
            } else {
                for j in 0..nsub {
                    self.heading2(j);
                    self.pkx(SUBHEADINGS, &mut used_s);
                    self.p("。");
                    self.sentence(c);
                    if self.r.pct(60) {
                        self.sentence(c);
                    }
                    self.flush_inline(c);
                    self.nl();
                }
            }
        }
        if self.r.pct(40) {
            self.p("附件：");
            self.p(c.area);
            self.p(c.work);
            self.pk(&["任务分解表", "工作责任清单"]);
            self.nl();
        }
        self.signature(c);
        if self.r.pct(60) {
            self.p("（此件公开发布）");
            self.nl();
        }
    }

    fn doc_report(&mut self, c: &Ctx) {
        self.p(c.area);
        self.p(c.dept);
        let _ = write!(self.out, "{}年工作总结和{}年工作思路", c.year, c.year + 1);
        self.nl();
        let _ = write!(self.out, "{}年，", c.year);
        self.p("在");
        self.p(c.area);
        self.p("委、");
        self.p(c.area);
        self.p("政府的坚强领导下，我局");
        self.pk(POLICY_LEADS);
        self.pk(POLICIES);
        self.p("，");
        self.pk(LEADS);
        self.p(c.work);
        self.p("，");
        self.pk(RESULTS);
        self.p("。现将有关情况报告如下：");
        self.nl();
        let mut used_s = 0u64;
        let _ = write!(self.out, "一、{}年工作开展情况", c.year);
        self.nl();
        let nsub = 2 + self.r.below(4);
        for j in 0..nsub {
            self.heading2(j);
            self.pkx(SUBHEADINGS, &mut used_s);
            self.p("。");
            self.sentence(c);
            self.sentence(c);
            self.flush_inline(c);
            self.nl();
            if self.r.pct(40) {
                self.body(c);
            }
        }
        if self.r.pct(30) {
            self.project_table(c);
        }
        self.p("二、存在的问题");
        self.nl();
        self.p("在肯定成绩的同时，我们也清醒地看到，工作中还存在一些短板和不足：");
        let mut used_p = 0u64;
        self.pkx(PROBLEMS, &mut used_p);
        self.p("；");
        self.pkx(PROBLEMS, &mut used_p);
        self.p("；");
        self.pkx(PROBLEMS, &mut used_p);
        self.p("。这些问题需要在今后工作中切实加以解决。");
        self.nl();
        let _ = write!(self.out, "三、{}年工作思路", c.year + 1);
        self.nl();
        let nsub = 2 + self.r.below(3);
        for j in 0..nsub {
            self.heading2(j);
            self.pkx(SUBHEADINGS, &mut used_s);
            self.p("。");
            self.sentence(c);
            self.flush_inline(c);
            self.nl();
        }
        self.signature(c);
    }

    fn project_table(&mut self, c: &Ctx) {
        self.p("序号\t项目名称\t建设内容\t总投资（万元）\t责任单位");
        self.nl();
        let rows = 3 + self.r.below(6);
        for i in 0..rows {
            let (t, u) = THINGS[self.r.below(THINGS.len())];
            let _ = write!(self.out, "{}\t", i + 1);
            self.pk(TOWNS);
            self.p(t);
            self.p("建设项目\t新建改造");
            self.p(t);
            self.num(1, 80);
            self.p(u);
            self.p("\t");
            self.dec(30, 9000);
            self.p("\t");
            self.p(c.area);
            self.pk(DEPTS);
            self.nl();
        }
    }

    fn doc_publicity(&mut self, c: &Ctx) {
        let subsidy = self.r.pick(SUBSIDIES);
        let verb = self.r.pick(VERBS_GIVE);
        let batch = ["第一批", "第二批", "第三批", "第四季度", "上半年", "下半年"][self.r.below(6)];
        let _ = write!(
            self.out,
            "关于{}年{}{}拟{}人员名单的公示",
            c.year, batch, subsidy, verb
        );
        self.nl();
        self.p("根据《");
        self.p(c.area);
        self.pk(REGS);
        self.p("》有关规定，经个人申请、村（社区）初审、镇（街道）审核，现将");
        let _ = write!(
            self.out,
            "{}年{}{}拟{}人员名单予以公示。",
            c.year, batch, subsidy, verb
        );
        self.nl();
        self.p("序号\t姓名\t性别\t身份证号\t所在村（社区）\t金额（元）");
        self.nl();
        let rows = 4 + self.r.below(14);
        let full_row = if self.take(P_ID) {
            Some(self.r.below(rows))
        } else {
            None
        };
        for i in 0..rows {
            let _ = write!(self.out, "{}\t", i + 1);
            if self.r.pct(30) {
                self.masked_name();
            } else {
                self.name();
            }
            self.pk(&["\t男\t", "\t女\t"]);
            if full_row == Some(i) {
                self.valid_id();
            } else {
                self.masked_id();
            }
            self.p("\t");
            self.pk(TOWNS);
            self.pk(VILLAGES);
            let _ = write!(self.out, "\t{}", self.r.range(3, 240) * 100);
            self.nl();
        }
        self.p("公示期为");
        let m = self.r.range(1, 12);
        let d = self.r.range(1, 20);
        let _ = write!(
            self.out,
            "{}年{}月{}日至{}年{}月{}日（5个工作日）。",
            c.year,
            m,
            d,
            c.year,
            m,
            d + 6
        );
        self.p("公示期间，如有异议，请以书面形式向");
        self.p(c.area);
        self.p(c.dept);
        self.p("反映，反映情况应当实事求是、具体详实。");
        self.flush_inline(c);
        self.nl();
        self.p("监督电话：");
        self.landline();
        self.p("；政务服务便民热线：12345。");
        self.nl();
        self.signature(c);
    }

    fn doc_tender(&mut self, c: &Ctx) {
        self.pk(TOWNS);
        let obj = self.r.pick(PROJECT_OBJ);
        self.p(obj);
        self.pk(PROJECT_KIND);
        self.p("招标公告");
        self.nl();
        self.p("一、招标条件");
        self.nl();
        self.p("本招标项目已由");
        self.p(c.area);
        self.p("发展和改革局批准建设，项目业主为");
        self.p(c.area);
        self.p(c.dept);
        self.p("，建设资金来自财政资金，项目出资比例为100%，招标人为");
        self.p(c.area);
        self.p(c.dept);
        self.p("。项目已具备招标条件，现对该项目进行公开招标。");
        self.flush_inline(c);
        self.nl();
        self.p("二、项目概况与招标范围");
        self.nl();
        let _ = write!(
            self.out,
            "项目编号：NBZB-{}-{:03}；建设地点：",
            c.year,
            self.r.range(1, 600)
        );
        self.pk(TOWNS);
        self.p("；建设规模：");
        let (t, u) = THINGS[self.r.below(THINGS.len())];
        self.p(t);
        self.num(1, 60);
        self.p(u);
        self.p("及配套设施；计划工期：");
        self.num(60, 720);
        self.p("日历天。");
        self.nl();
        self.p("本项目最高投标限价为");
        self.dec(80, 4800);
        self.p("万元，投标报价超过最高投标限价的，其投标将被否决。");
        self.flush_inline(c);
        self.nl();
        self.p("三、投标人资格要求");
        self.nl();
        self.p("投标人须具备");
        self.pk(&[
            "建筑工程施工总承包三级及以上",
            "市政公用工程施工总承包二级及以上",
            "工程监理综合资质或市政公用工程专业乙级及以上",
            "有效的营业执照",
        ]);
        self.p("资质，并在人员、设备、资金等方面具有相应的施工能力；本次招标不接受联合体投标。");
        self.flush_inline(c);
        self.nl();
        self.p("四、招标文件的获取");
        self.nl();
        let m = self.r.range(1, 11);
        let d = self.r.range(1, 28);
        let _ = write!(self.out, "凡有意参加投标者，请于{}年{}月{}日", c.year, m, d);
        self.p("至投标截止时间前，登录浙江省公共资源交易服务平台下载电子招标文件。");
        self.nl();
        self.p("五、投标文件的递交");
        self.nl();
        self.p("投标文件递交的截止时间（投标截止时间，下同）为");
        let _ = write!(
            self.out,
            "{}年{}月{}日{}时{:02}分，",
            c.year,
            m + 1,
            self.r.range(1, 28),
            self.r.range(9, 15),
            [0, 30][self.r.below(2)]
        );
        self.p("逾期送达的投标文件，电子招投标交易平台将予以拒收。");
        self.nl();
        self.p("六、联系方式");
        self.nl();
        self.p("招标人：");
        self.p(c.area);
        self.p(c.dept);
        self.p("　联系人：");
        self.pk(SURNAMES);
        self.p("工　电话：");
        self.landline();
        self.nl();
        self.p("招标代理机构：");
        self.company();
        self.p("　联系人：");
        self.pk(SURNAMES);
        self.p("女士　电话：");
        self.landline();
        self.nl();
        self.date(c.year);
        self.nl();
    }

    fn doc_news(&mut self, c: &Ctx) {
        self.p(c.area);
        self.pk(&["召开", "部署", "推进", "扎实开展", "全力推进"]);
        self.p(c.work);
        self.pk(&["工作推进会", "专项行动", "现场会", "工作", "“回头看”"]);
        self.nl();
        self.p("发布时间：");
        self.iso_date(c.year);
        self.p("　来源：");
        self.p(c.area);
        self.p(c.dept);
        self.nl();
        let _ = write!(
            self.out,
            "{}月{}日，",
            self.r.range(1, 12),
            self.r.range(1, 28)
        );
        self.p(c.area);
        self.p("召开");
        self.p(c.work);
        self.p("工作推进会，");
        self.pk(ROLES);
        self.name();
        self.p("出席会议并讲话。会议通报了前一阶段工作进展情况，");
        self.pk(TOWNS);
        self.p("、");
        self.pk(TOWNS);
        self.p("作交流发言。");
        self.nl();
        let n = 2 + self.r.below(4);
        for _ in 0..n {
            self.body(c);
        }
        if self.r.pct(50) {
            self.p("（");
            self.p(c.area);
            self.p(c.dept);
            self.p("　");
            self.name();
            self.p("　供稿）");
            self.nl();
        }
    }

    fn doc_annual_report(&mut self, c: &Ctx) {
        self.p(c.area);
        self.p(c.dept);
        let _ = write!(self.out, "{}年政府信息公开工作年度报告", c.year);
        self.nl();
        self.p("本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求编制。");
        let _ = write!(
            self.out,
            "本报告中所列数据的统计期限自{}年1月1日起至{}年12月31日止。",
            c.year, c.year
        );
        self.nl();
        self.p("一、总体情况");
        self.nl();
        let _ = write!(self.out, "{}年，", c.year);
        self.p(c.area);
        self.p(c.dept);
        self.p("坚持以公开为常态、不公开为例外，全年主动公开政府信息");
        self.num(80, 2400);
        self.p("条，其中规范性文件");
        self.num(0, 30);
        self.p("件，政策解读");
        self.num(5, 80);
        self.p("篇。");
        self.nl();
        self.p("三、收到和处理政府信息公开申请情况");
        self.nl();
        self.p("本年新收政府信息公开申请数量\t");
        self.num(0, 160);
        self.nl();
        self.p("三、本年度办理结果\t（一）予以公开\t");
        self.num(0, 60);
        self.nl();
        self.p("\t（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t");
        self.num(0, 12);
        self.nl();
        let rows = [
            "（三）不予公开\t1．属于国家秘密",
            "\t2．其他法律行政法规禁止公开",
            "\t3．危及“三安全一稳定”",
            "\t4．保护第三方合法权益",
            "\t5．属于三类内部事务信息",
            "\t6．属于四类过程性信息",
            "\t7．属于行政执法案卷",
            "\t8．属于行政查询事项",
        ];
        for r in rows {
            self.p(r);
            self.p("\t");
            let v = if self.r.pct(75) {
                0
            } else {
                self.r.range(1, 5)
            };
            let _ = write!(self.out, "{}", v);
            self.nl();
        }
        self.p("五、存在的主要问题及改进情况");
        self.nl();
        let mut used_p = 0u64;
        self.p("一是");
        self.pkx(PROBLEMS, &mut used_p);
        self.p("；二是");
        self.pkx(PROBLEMS, &mut used_p);
        self.p("。下一步，我局将");
        self.pk(MEASURES);
        self.p("，");
        self.pk(MEASURES);
        self.p("，进一步提升政务公开质效。");
        self.flush_inline(c);
        self.nl();
    }

    fn document(&mut self) {
        let c = Ctx {
            area: self.r.pick(AREAS),
            dept: self.r.pick(DEPTS),
            work: self.r.pick(WORKS),
            year: self.r.range(2022, 2025),
        };
        let genre = match self.r.below(100) {
            0..=29 => G_NOTICE,
            30..=52 => G_REPORT,
            53..=66 => G_PUBLICITY,
            67..=78 => G_TENDER,
            79..=95 => G_NEWS,
            _ => G_ANNUAL,
        };
        self.allowed = allowed_kinds(genre);
        if self.r.pct(35) {
            self.meta_header(&c);
        }
        if genre == G_NOTICE || genre == G_REPORT {
            self.mark_header();
        }
        match genre {
            G_NOTICE => self.doc_notice(&c),
            G_REPORT => self.doc_report(&c),
            G_PUBLICITY => self.doc_publicity(&c),
            G_TENDER => self.doc_tender(&c),
            G_NEWS => self.doc_news(&c),
            _ => self.doc_annual_report(&c),
        }
        self.out.push('\n');
    }
}

/// Deterministic realistic Chinese government prose of about `bytes` bytes (UTF-8), built from a seed.
///
/// The result never exceeds `bytes`; it is cut at a line end when one is near the
/// limit, else at a character boundary.
pub fn generate(bytes: usize, seed: u64) -> String {
    let mut g = Gen::new(seed, bytes + 8192);
    while g.out.len() < bytes {
        g.document();
    }
    let mut out = g.out;
    if out.len() > bytes {
        let mut cut = bytes;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        if let Some(nl) = out[..cut].rfind('\n') {
            if cut - nl <= 512 {
                cut = nl + 1;
            }
        }
        out.truncate(cut);
    }
    out
}

// ---------------------------------------------------------------------------
// Extra lexicon
// ---------------------------------------------------------------------------

/// 2-character domain/subject modifiers.
#[rustfmt::skip]
const LX_DOMAIN: &[&str] = &[
    "专项", "项目", "网格", "社区", "财政", "应急", "环保", "安全", "工程", "档案", "人事",
    "民生", "教育", "卫健", "交通", "水利", "农业", "林业", "城建", "住房", "社保", "医保",
    "统计", "审计", "税务", "市场", "消防", "执法", "物业", "园区", "企业", "人才", "养老",
    "救助", "扶贫", "就业", "殡葬", "文旅", "体育", "科技", "招商", "国资", "粮食", "气象",
    "海事", "港航", "渔业", "畜牧", "种业", "电力", "燃气", "供水", "排水", "环卫", "绿化",
    "河道", "海塘", "山塘", "地灾", "防汛", "人防", "双拥", "优抚", "残联", "妇联", "团委",
    "工会", "侨务", "宗祠", "村级", "镇级", "县级", "市级", "省级", "年度", "季度", "月度",
    "片区", "楼宇", "街区",
];

/// 2-character activity / object words.
#[rustfmt::skip]
const LX_ACT: &[&str] = &[
    "资金", "评审", "巡查", "验收", "审批", "考核", "督查", "整改", "排查", "监测", "调度",
    "核查", "采购", "补助", "结算", "审计", "安置", "补偿", "备案", "登记", "招标", "培训",
    "预警", "处置", "奖补", "绩效", "清查", "盘点", "评估", "抽检", "复核", "对账", "拨付",
    "申报", "认定", "走访", "回访", "值守", "轮岗", "交办", "销号", "移交", "归档", "运维",
    "巡检", "检测", "测绘", "勘察", "征收", "收储", "出让", "划拨", "流转", "托管", "代建",
    "监理", "稽核", "核销", "清缴", "追缴", "减免", "贴息", "担保", "融资", "授信",
];

/// 2-character document-type words.
#[rustfmt::skip]
const LX_DOC: &[&str] = &[
    "台账", "意见", "记录", "清单", "报表", "方案", "明细", "底册", "名册", "档案", "报告",
    "简报", "专报", "月报", "周报", "日志", "细则", "预案", "流程", "批复", "回执", "通报",
    "汇总", "台帐", "手册", "指引", "规程", "凭证", "账册", "目录", "要点", "说明", "附表",
    "报备", "专档", "卷册", "总表", "计划", "标准", "办法", "规则", "通知", "纪要",
];

/// 1-character form suffixes.
const LX_SUF1: &[&str] = &["表", "单", "册", "簿"];

/// 3-character actors (for 5-character terms such as 网格员巡查).
#[rustfmt::skip]
const LX_ACTOR3: &[&str] = &[
    "网格员", "联络员", "协管员", "监理方", "施工方", "承建方", "村两委", "责任区", "安置户",
    "承包户", "经营户", "采购人", "代理方", "养护方", "运维方", "评审组", "督导组", "工作专班",
];

/// Uncommon 2-character words (not used by the corpus prose).
#[rustfmt::skip]
const LX_RARE2: &[&str] = &[
    "勘界", "赋码", "确权", "挂账", "冲抵", "代垫", "滞纳", "提级", "退库", "铺底", "质押",
    "拆借", "缓缴", "并账", "贴现", "转贷", "竣决", "跨审", "预拨", "抵扣",
];

fn lex_candidate(r: &mut Rng) -> String {
    let mut s = String::with_capacity(18);
    match r.below(100) {
        0..=2 => s.push_str(r.pick(LX_RARE2)),
        3..=12 => {
            s.push_str(r.pick(LX_ACT));
            s.push_str(r.pick(LX_SUF1));
        }
        13..=37 => {
            s.push_str(r.pick(LX_DOMAIN));
            if r.pct(50) {
                s.push_str(r.pick(LX_ACT));
            } else {
                s.push_str(r.pick(LX_DOC));
            }
        }
        38..=54 => {
            if r.pct(50) {
                s.push_str(r.pick(LX_ACTOR3));
                s.push_str(r.pick(LX_ACT));
            } else {
                s.push_str(r.pick(LX_DOMAIN));
                s.push_str(r.pick(LX_ACT));
                s.push_str(r.pick(LX_SUF1));
            }
        }
        _ => {
            s.push_str(r.pick(LX_DOMAIN));
            s.push_str(r.pick(LX_ACT));
            s.push_str(r.pick(LX_DOC));
        }
    }
    // "工作专班" + act would be 6; every combination above is 2–6 Han characters.
    s
}

/// `n` distinct synthetic Chinese terms (2–6 Han characters each, realistic-looking compound words
/// such as 专项资金台账 / 项目评审意见 / 网格巡查记录; no term may be a substring of common words
/// in a way that makes every sentence match), deterministic from the seed.
///
/// Panics if `n` exceeds the number of distinct terms the vocabulary can form (several hundred thousand).
pub fn extra_lexicon(n: usize, seed: u64) -> Vec<String> {
    let mut r = Rng::new(seed ^ 0x5EED_1E81_C0DE_0001);
    let mut seen: HashSet<String> = HashSet::with_capacity(n * 2);
    let mut out = Vec::with_capacity(n);
    let mut attempts = 0usize;
    let limit = n.saturating_mul(8) + 1000;
    while out.len() < n && attempts < limit {
        attempts += 1;
        let t = lex_candidate(&mut r);
        if seen.insert(t.clone()) {
            out.push(t);
        }
    }
    if out.len() < n {
        // Fill deterministically from the 6-character space, in a seed-dependent rotation.
        let (d, a, k) = (LX_DOMAIN.len(), LX_ACT.len(), LX_DOC.len());
        let total = d * a * k;
        let start = r.below(total);
        for i in 0..total {
            if out.len() == n {
                break;
            }
            let idx = (start + i) % total;
            let t = format!(
                "{}{}{}",
                LX_DOMAIN[idx / (a * k)],
                LX_ACT[(idx / k) % a],
                LX_DOC[idx % k]
            );
            if seen.insert(t.clone()) {
                out.push(t);
            }
        }
    }
    assert!(
        out.len() == n,
        "extra_lexicon: cannot form {} distinct terms",
        n
    );
    out
}
