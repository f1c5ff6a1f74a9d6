"""The general list of matters every center starts with, with the words that name each (a
center edits both in the admin)."""

from django.db import migrations

MATTERS = [
    ("supply", "停水/供水中断", "Water outage", "停水 没水 没有水 断水 无水 不出水 不来水 来水 一滴水 一滴都没 一点水都没 冲不了 停了水 供水 全停了 恢复供水 水停了 水都没有"),
    ("pressure", "水压低", "Low pressure", "水压 水小 水流小 水很小 水量小 细得像 上不去水 打不着火 水压低 水压不足"),
    ("water-quality", "水质", "Water quality", "发黄 黄水 水黄 水是黄 浑浊 发浑 铁锈 异味 怪味 漂白粉 消毒水味 水垢 沉淀 水质 红虫 杂质 黄渣"),
    ("leak", "漏水/爆管", "Leak or burst", "漏水 爆管 爆裂 冒水 渗水 跑水 滴水 水管破 管子爆 管道破 水管坏"),
    ("meter", "水表/表具", "Meter", "水表 电表 燃气表 表坏 表转 抄表 读数 换表 表计"),
    ("billing", "费用异常", "Billing", "水费 电费 物业费 燃气费 话费 多收 账单 扣费 金额 翻倍 欠费 月租 乱收费 收费高 比平时高 比以前高 怎么这么高"),
    ("payment", "缴费", "Payment", "缴费 交费 充值 支付 付款 扣款失败 代扣 微信交 支付宝 自动扣款"),
    ("account", "开户/过户/账户", "Account", "开户 过户 更名 销户 户名 改名 实名"),
    ("construction", "施工", "Construction", "施工 挖路 开挖 围挡 工地 修路"),
    ("delivery-delay", "派送延误", "Delivery delay", "没送 不送 不派 没派 未派送 派送中 延误 压件 压着 卡在网点 到站 次日达 还没到 没送到 催件 送不过来 不派送 一直不动"),
    ("parcel-lost", "快件丢失", "Lost parcel", "丢件 丢了 没收到 未收到 显示签收 已签收 被冒领 件丢"),
    ("parcel-damaged", "快件破损", "Damaged parcel", "破损 摔坏 压坏 泡了 湿了 湿透 泡烂 变形 碎了 盒子破 泡软 水渍"),
    ("pickup", "上门取件", "Pickup", "取件 揽件 上门取 寄件 约了上门 上门收"),
    ("tracking", "物流查询", "Tracking", "物流信息 查件 运单 到哪了 没更新 已揽收 物流显示"),
    ("claim", "理赔", "Claim", "理赔 索赔 保价 赔付"),
    ("elevator", "电梯", "Elevator", "电梯 困梯 关人 轿厢"),
    ("noise", "噪音", "Noise", "噪音 吵 装修 电钻 打钻 敲敲打打 广场舞 狗叫 扰民"),
    ("parking", "停车", "Parking", "停车 车位 车库 挡道 占道 道闸"),
    ("security", "安保/门禁", "Security", "门禁 保安 小偷 被盗 陌生人 监控 失窃 巡逻"),
    ("cleaning", "保洁/垃圾", "Cleaning", "垃圾 保洁 卫生 清运 苍蝇 蟑螂 堆放"),
    ("facility", "公共设施", "Facilities", "路灯 公共设施 绿化 健身器材 化粪池 井盖 栏杆 单元门"),
    ("product-quality", "商品质量", "Product quality", "质量 变质 过期 结块 异物 发霉 焦味 馊 坏的 不转"),
    ("return-exchange", "退换货", "Return or exchange", "退货 换货 退款 退换 无理由 尺码 发错"),
    ("price", "价格", "Price", "价签 标价 价格 差价 价钱 打折 原价 结账 小票 标签 降价 涨价"),
    ("membership", "会员/积分", "Membership", "会员 积分 储值卡"),
    ("invoice", "发票", "Invoice", "发票 开票 收据"),
    ("order-status", "订单状态", "Order status", "待发货 不发货 没发货 备货 秒杀 订单状态"),
    ("counterfeit", "假冒伪劣", "Counterfeit", "假货 假冒 正品 假酒 假奶粉 山寨 防伪 批号"),
    ("broadband-outage", "宽带中断", "Broadband outage", "断网 上不了网 网连不上 连不上网 宽带断 光猫 红灯 LOS 没网 网络中断 宽带"),
    ("slow-network", "网速慢", "Slow network", "网速 网卡 卡顿 延迟 限速"),
    ("signal", "手机信号", "Mobile signal", "信号 一格 没信号"),
    ("iptv", "电视/IPTV", "IPTV", "IPTV 电视 机顶盒 节目"),
    ("plan", "套餐/业务办理", "Plan", "套餐 流量 改套餐 携号转网"),
    ("attitude", "服务态度", "Staff attitude", "态度 态度恶劣 态度差 态度不好 服务差 骂人 不耐烦 摔电话 嘲讽 辱骂 脾气"),
    ("timeliness", "办理时效", "Timeliness", "迟到 等了一天 约好的时间 没按时 拖了 效率太低"),
    ("repair-quality", "维修质量", "Repair quality", "修了又坏 没修好 修完又 返修 又坏了 维修质量"),
    ("power-gas", "电/燃气", "Power or gas", "停电 跳闸 没电 断电 燃气 煤气 天然气 暖气 燃气味 配电"),
    ("other", "其他", "Other", ""),
]


def add_matters(apps, schema_editor):
    Matter = apps.get_model("triage", "Matter")
    if not Matter.objects.exists():
        Matter.objects.bulk_create(
            Matter(code=code, name=name, name_en=en, keywords=words, order=i * 10)
            for i, (code, name, en, words) in enumerate(MATTERS)
        )


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(add_matters, migrations.RunPython.noop)]
