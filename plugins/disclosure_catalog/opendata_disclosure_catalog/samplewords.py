"""Vocabularies the sample generator draws from: bodies, topics, title and summary templates.

They imitate what the 政府信息公开目录 of a development-zone administration holds: policy
documents with 文号 on the 政务公开网, notices on notice boards, and a large number of news
items (工作动态) on the portal, the WeChat account and the zone's newspaper. Companies are
invented; no real person is named.
"""

from __future__ import annotations

ZONE = "吉林经开区"

#: (发布机构, 文号 prefix) of the administration and its departments.
BODIES: tuple[tuple[str, str], ...] = (
    ("吉林经济技术开发区管委会", "吉经开管发"),
    ("吉林经济技术开发区管委会办公室", "吉经开管办发"),
    ("吉林经济技术开发区经济发展局", "吉经开经发"),
    ("吉林经济技术开发区财政局", "吉经开财发"),
    ("吉林经济技术开发区规划建设局", "吉经开建发"),
    ("吉林经济技术开发区社会事业管理局", "吉经开社发"),
    ("吉林经济技术开发区安全生产监督管理局", "吉经开安监发"),
    ("吉林经济技术开发区环境保护局", "吉经开环发"),
    ("吉林经济技术开发区招商服务局", "吉经开招发"),
    ("吉林经济技术开发区九站街道办事处", "吉经开九街发"),
)

#: (topic, 主题分类 of the national catalogue's subject table).
TOPICS: tuple[tuple[str, str], ...] = (
    ("政务公开", "综合政务"),
    ("政务服务“一网通办”", "综合政务"),
    ("优化营商环境", "综合政务"),
    ("“放管服”改革", "综合政务"),
    ("双随机一公开监管", "市场监管、安全生产监管"),
    ("安全生产大检查", "市场监管、安全生产监管"),
    ("危险化学品安全专项整治", "市场监管、安全生产监管"),
    ("食品安全监督抽检", "市场监管、安全生产监管"),
    ("冬季消防安全", "公安、安全、司法"),
    ("扫黑除恶专项斗争", "公安、安全、司法"),
    ("普法宣传教育", "公安、安全、司法"),
    ("秸秆禁烧", "城乡建设、环境保护"),
    ("大气污染防治", "城乡建设、环境保护"),
    ("河长制", "城乡建设、环境保护"),
    ("城市环境综合整治", "城乡建设、环境保护"),
    ("老旧小区改造", "城乡建设、环境保护"),
    ("冬季供热保障", "城乡建设、环境保护"),
    ("防汛抗旱", "农业、林业、水利"),
    ("春季植树造林", "农业、林业、水利"),
    ("招商引资项目推介", "商贸、海关、旅游"),
    ("重点项目建设", "国民经济管理、国有资产监管"),
    ("工业经济运行调度", "工业、交通"),
    ("化工园区基础设施建设", "工业、交通"),
    ("碳纤维产业发展", "工业、交通"),
    ("高新技术企业认定", "科技、教育"),
    ("科技创新平台建设", "科技、教育"),
    ("义务教育均衡发展", "科技、教育"),
    ("财政预决算公开", "财政、金融、审计"),
    ("专项资金绩效评价", "财政、金融、审计"),
    ("企业融资服务", "财政、金融、审计"),
    ("精准扶贫", "民政、扶贫、救灾"),
    ("城乡低保动态管理", "民政、扶贫、救灾"),
    ("高龄老人补贴发放", "民政、扶贫、救灾"),
    ("就业创业服务", "劳动、人事、监察"),
    ("根治欠薪", "劳动、人事、监察"),
    ("党风廉政建设", "劳动、人事、监察"),
    ("爱国卫生运动", "卫生、体育"),
    ("全民健身活动", "卫生、体育"),
    ("创建全国文明城市", "文化、广电、新闻出版"),
    ("文化惠民演出", "文化、广电、新闻出版"),
)

PLACES: tuple[str, ...] = (
    "九站街道",
    "精细化工孵化园",
    "吉林化工园区",
    "碳纤维产业园",
    "政务服务大厅",
    "管委会多功能厅",
    "经开区创业孵化基地",
)

COMPANIES: tuple[str, ...] = (
    "吉林华科新材料有限公司",
    "吉林长白精细化工有限公司",
    "吉林恒泰碳纤维制品有限公司",
    "吉林瑞丰生物科技有限公司",
    "吉林九站热电有限公司",
    "吉林北辰汽车零部件有限公司",
    "吉林松江环保科技有限公司",
)

PURPOSES: tuple[str, ...] = (
    "进一步规范工作程序",
    "切实落实主体责任",
    "推动各项任务落到实处",
    "提升服务企业和群众的水平",
    "保障人民群众生命财产安全",
    "促进全区经济社会高质量发展",
)

BASES: tuple[str, ...] = (
    "《中华人民共和国政府信息公开条例》",
    "《吉林市人民政府办公厅关于印发2018年全市政务公开工作重点任务分工方案的通知》",
    "省、市有关工作部署",
    "《中华人民共和国安全生产法》",
    "《中华人民共和国环境保护法》",
    "市委、市政府有关要求",
)

ASPECTS: tuple[str, ...] = (
    "工作目标、主要任务和保障措施",
    "责任分工和完成时限",
    "适用范围、申报条件和办理程序",
    "检查内容、方法步骤和工作要求",
    "资金使用范围、标准和监督管理",
)

#: Formal documents: (体裁分类, title template). ``{topic}``, ``{year}``, ``{zone}``,
#: ``{company}`` and ``{place}`` are filled in.
FORMAL_TITLES: tuple[tuple[str, str], ...] = (
    ("通知", "关于印发《{zone}{year}年{topic}工作方案》的通知"),
    ("通知", "关于开展{topic}工作的通知"),
    ("通知", "关于做好{year}年{topic}工作的通知"),
    ("意见", "关于进一步加强{topic}工作的意见"),
    ("决定", "关于表彰{year}年度{topic}先进集体和先进个人的决定"),
    ("通告", "关于{topic}有关事项的通告"),
    ("报告", "关于{year}年{topic}工作情况的报告"),
    ("批复", "关于同意{company}{topic}项目实施方案的批复"),
    ("办法", "{zone}{topic}管理办法"),
    ("规划", "{zone}{topic}三年行动规划"),
)

NOTICE_TITLES: tuple[tuple[str, str], ...] = (
    ("公示", "关于{company}{topic}项目的公示"),
    ("公示", "{year}年{topic}拟扶持企业名单公示"),
    ("公告", "{zone}{topic}公告"),
    ("公告", "关于{place}{topic}的公告"),
)

#: News items (工作动态): (title template, summary template), written to match each other.
NEWS: tuple[tuple[str, str], ...] = (
    (
        "{body}召开{topic}工作推进会",
        "{month}月{day}日，{body}召开{topic}工作推进会，{count}余人参加。"
        "会议总结了前一阶段工作，要求各相关部门{purpose}。",
    ),
    (
        "经开区{topic}工作取得阶段性成效",
        "今年以来，{body}扎实推进{topic}工作，各项任务按计划有序推进。下一步将{purpose}。",
    ),
    (
        "管委会领导到{place}调研{topic}工作",
        "{month}月{day}日，管委会领导到{place}调研{topic}工作，要求{body}及相关部门{purpose}。",
    ),
    (
        "{company}新建项目顺利投产",
        "{month}月{day}日，{company}新建项目正式投产。项目建设期间，{body}提供全程代办服务，"
        "协调解决用地、用能等问题。",
    ),
    (
        "经开区开展{topic}宣传活动",
        "{month}月{day}日，{body}在{place}开展{topic}宣传活动，发放宣传材料{count}0余份，"
        "现场解答群众咨询。",
    ),
    (
        "{place}扎实推进{topic}",
        "{place}按照管委会部署扎实推进{topic}工作，{body}加强督导检查，{purpose}。",
    ),
    (
        "经开区召开{topic}专题会议",
        "{month}月{day}日，经开区召开{topic}专题会议，{count}余人参加，{body}通报了工作进展。",
    ),
    (
        "{body}部署{topic}工作",
        "{month}月{day}日，{body}召开会议部署{topic}工作，要求各科室{purpose}。",
    ),
)

FORMAL_SUMMARY = (
    "为{purpose}，根据{basis}，结合经开区实际，{body}就{topic}工作作出部署，明确了{aspects}。"
)
NOTICE_SUMMARY = "根据{basis}，现将{topic}有关情况予以公布，公示期内如有异议请向{body}反映。"

#: Surnames and given names for the (private) 拟稿人 and 经办人 columns.
SURNAMES: tuple[str, ...] = ("张", "李", "刘", "陈", "杨", "赵", "孙", "周", "吴", "郑", "于", "高")
GIVEN_NAMES: tuple[str, ...] = (
    "晓东",
    "丽娜",
    "建国",
    "海燕",
    "志强",
    "雪梅",
    "立新",
    "春雨",
    "明",
    "静",
    "磊",
    "娜",
)

INTERNAL_NOTES: tuple[str, ...] = (
    "经办公室主任审核",
    "经分管领导审签",
    "保密审查：无涉密内容",
    "已同步报送市政务公开办",
)

WITHHELD_TITLES: tuple[tuple[str, str, str], ...] = (
    # (公开属性, 体裁分类, title template)
    ("依申请公开", "报告", "关于{company}{topic}有关情况的报告"),
    ("依申请公开", "函", "关于{topic}有关问题的复函"),
    ("依申请公开", "纪要", "{topic}工作协调会议纪要"),
    ("不予公开", "请示", "关于{topic}经费的请示"),
    ("不予公开", "纪要", "管委会主任办公会议纪要（{topic}）"),
)

RESPONSE_TOPICS: dict[str, tuple[str, ...]] = {
    "微博微信": (
        "网民关注的{place}{topic}问题",
        "关于{topic}的网络舆情回应",
        "群众反映的{place}供暖不热问题",
        "网民关切的{company}异味问题",
    ),
    "其他": (
        "群众来信反映的{topic}问题",
        "12345热线转办的{place}{topic}诉求",
        "人大代表建议涉及的{topic}问题",
    ),
    "新闻发布会": ("{zone}{year}年{topic}新闻发布会",),
    "在线访谈": ("“{topic}”在线访谈",),
}
