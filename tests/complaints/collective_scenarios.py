"""Test data: one day of complaints at a service center, for collective-complaint grouping.

Rule of the product: a collective complaint (集体投诉) is 5 or more DISTINCT customers
of the SAME service area complaining about the SAME MATTER within 24 hours.  The
matter comes from what each request is about, not from words the texts share.

Each scenario lists its calls in arrival order (all within one day) and every
expected collective group as a set of indexes into ``calls``.  A group holds every
in-area call on its matter, including a customer's repeat calls; calls whose
``area`` is set come from a neighbouring area and never count.

All people, places, numbers and order ids are made up.
"""

from __future__ import annotations

from dataclasses import dataclass

MATTERS = frozenset(
    {
        "supply",
        "pressure",
        "water-quality",
        "leak",
        "meter",
        "billing",
        "payment",
        "account",
        "construction",
        "delivery-delay",
        "parcel-lost",
        "parcel-damaged",
        "pickup",
        "tracking",
        "claim",
        "elevator",
        "noise",
        "parking",
        "security",
        "cleaning",
        "facility",
        "product-quality",
        "return-exchange",
        "price",
        "membership",
        "invoice",
        "order-status",
        "counterfeit",
        "broadband-outage",
        "slow-network",
        "signal",
        "iptv",
        "plan",
        "attitude",
        "timeliness",
        "repair-quality",
        "power-gas",
        "other",
    }
)


@dataclass(frozen=True)
class Call:
    customer: str  # a key; the same key twice = the same customer calling again
    text: str  # the complaint as the agent typed it
    matter: str  # one of MATTERS: what the complaint is about
    area: str = ""  # overrides the scenario's area (a call from a neighbouring area), else ""


@dataclass(frozen=True)
class Scenario:
    name: str  # short English id
    industry: str  # water | property | logistics | ecommerce | retail | telecom
    area: str  # the service area's name
    calls: tuple[Call, ...]  # in arrival order
    groups: tuple[frozenset[int], ...]  # the expected collective groups: indexes into calls
    note: str = ""  # what the scenario checks


SCENARIOS: tuple[Scenario, ...] = (
    # ------------------------------------------------------------------ water
    Scenario(
        name="water_outage_jinxiu",
        industry="water",
        area="锦绣花园小区",
        calls=(
            Call(
                "jx-01",
                "喂,我锦绣花园3栋2单元的,从早上七点开始就没水了,水龙头拧开一滴都没有,到现在也没人说一声,什么时候能来水?",
                "supply",
            ),  # 0
            Call(
                "jx-02",
                "小区全停了吧?马桶都冲不了,家里还有八十多岁的老人,你们赶紧派人看看,我住锦绣那边12栋。",
                "supply",
            ),  # 1
            # billing, not supply: shares 小区 name and 停水 but asks about the bill
            Call(
                "jx-03",
                "我想问下锦绣花园上个月停水停了好几天,这个月水费怎么还比平时高一百多,是不是抄错表了?",
                "billing",
            ),  # 2
            # supply: complaining that the outage notice was not posted is still about the outage
            Call(
                "jx-04",
                "停水通知怎么没发?我们锦绣花园今天一早断水,物业群里一个字都没有,孩子上学脸都没洗。",
                "supply",
            ),  # 3
            Call(
                "jx-05",
                "你好,我家在锦绣花园7栋1单元1502,洗澡洗到一半突然没水了,身上全是泡沫,这叫什么事啊!",
                "supply",
            ),  # 4
            # same customer as call 1 calling again: counts once
            Call(
                "jx-02",
                "我刚才打过电话了,12栋还是没水,说好的两个小时就来水呢?现在都中午了,能不能给个准话。",
                "supply",
            ),  # 5
            # water-quality, not supply: the water is back, the complaint is about its colour/taste
            Call(
                "jx-06",
                "锦绣花园5栋的,刚才总算来水了,但是放出来的水是黄的,还有股铁锈味,这水还能喝吗?",
                "water-quality",
            ),  # 6
            # supply with no 小区 name at all
            Call(
                "jx-07",
                "我们那片是不是又停了?家里水龙头就滴了两滴,饭都做不了,我住北门进去第二排那栋。",
                "supply",
            ),  # 7
            Call(
                "jx-08",
                "锦绣花园9栋402,我家水表一直在转,可家里根本没开龙头,是不是表坏了,会不会多收我钱?",
                "meter",
            ),  # 8
            Call(
                "jx-09",
                "断水一整天了,打了三次电话都说在抢修,到底哪根管子坏了?锦绣花园几百户人家都等着呢。",
                "supply",
            ),  # 9
            # leak: a report of a burst pipe on the road, a different request from "we have no water"
            Call(
                "jx-10",
                "锦绣花园东门外的马路上在冒水,水哗哗地往外流,估计是管子爆了,赶紧派人来关阀门。",
                "leak",
            ),  # 10
        ),
        # supply: jx-01, jx-02 (x2), jx-04, jx-05, jx-07, jx-09 = 6 distinct
        groups=(frozenset({0, 1, 3, 4, 5, 7, 9}),),
        note="water outage worded many ways (incl. 小区全停了吧?马桶都冲不了, no 小区 name, repeat caller); "
        "billing during the outage, water quality after it returns, a meter and a leak stay out",
    ),
    Scenario(
        name="water_billing_vs_outage",
        industry="water",
        area="幸福里小区",
        calls=(
            Call(
                "xf-01",
                "幸福里小区4栋的,这个月水费一百八,平时也就五六十,家里就两口人,肯定有问题。",
                "billing",
            ),  # 0
            Call(
                "xf-02",
                "幸福里小区今天又停水了,上午十点到现在都没水,也没看到贴通知,啥时候恢复?",
                "supply",
            ),  # 1
            Call(
                "xf-03",
                "我家水费单子上写用了四十二吨,我们一个月顶多十吨,你们是不是抄表抄错了?我住幸福里2栋。",
                "billing",
            ),  # 2
            Call(
                "xf-04",
                "家里没水了,洗衣机洗到一半停了,衣服还泡在里面,幸福里这边是不是在检修管道?",
                "supply",
            ),  # 3
            Call(
                "xf-05",
                "水费异常!幸福里小区好多人都在业主群里说这个月水费翻倍,我家也是,翻了快三倍。",
                "billing",
            ),  # 4
            Call(
                "xf-06",
                "你好,我想问一下六月份的水费账单,金额怎么是三百二十块?我家一直很省水的,住幸福里11栋。",
                "billing",
            ),  # 5
            # repeat of xf-02
            Call(
                "xf-02", "还是我,幸福里3栋,停水都五个小时了,你们说的抢修到底修好没有?", "supply"
            ),  # 6
            Call(
                "xf-07",
                "幸福里小区断水了吧?我刚下班回来,一滴水没有,晚饭都没法做,外卖也点不进来。",
                "supply",
            ),  # 7
            Call(
                "xf-08",
                "这次水费高得离谱,两个月要交四百多,老房子就我一个人住,幸福里6栋502。",
                "billing",
            ),  # 8
            # payment, not billing: the amount is not disputed, the payment failed
            Call(
                "xf-09",
                "我在手机上交水费一直提示支付失败,钱扣了但是显示没交,幸福里小区的户号,怎么处理?",
                "payment",
            ),  # 9
            Call(
                "xf-10",
                "我们幸福里8栋也停水了,楼上楼下都没水,老人要吃药连口开水都烧不了。",
                "supply",
            ),  # 10
            # billing, not supply: mentions 停水 but disputes the amount
            Call(
                "xf-11",
                "停水期间水费怎么还这么高?上周停了三天水,这个月账单比上个月还多,幸福里小区的。",
                "billing",
            ),  # 11
        ),
        # billing: xf-01, 03, 05, 06, 08, 11 = 6 distinct
        # supply: xf-02 (x2), 04, 07, 10 = 4 distinct -> no group
        groups=(frozenset({0, 2, 4, 5, 8, 11}),),
        note="billing outbreak next to an outage in the same 小区; the outage (4 distinct) must not be merged "
        "with the billing calls and must not reach a group on its own",
    ),
    Scenario(
        name="water_village_two_outbreaks",
        industry="water",
        area="青石村",
        calls=(
            Call(
                "qs-01",
                "青石村这边从昨晚就停水了,村里自来水一直不来,家里养的猪和鸡都没水喝。",
                "supply",
            ),  # 0
            Call(
                "qs-02",
                "我们村自来水今天是浑的,接一盆放一会儿底下全是泥沙,这还能做饭吗?",
                "water-quality",
            ),  # 1
            Call(
                "qs-03",
                "我是青石村三组的,水管里一点水都没有,我们这都是靠自来水的,赶紧想想办法。",
                "supply",
            ),  # 2
            Call(
                "qs-04",
                "青石村的水有股很重的漂白粉味,孩子喝了说肚子不舒服,你们是不是消毒药放多了?",
                "water-quality",
            ),  # 3
            Call(
                "qs-05", "喂,村东头这几户都断水了,水塔那边是不是出问题了?已经快一天了。", "supply"
            ),  # 4
            Call(
                "qs-06",
                "水发黄发浑,烧开了壶底一层黄渣子,青石村五组的,以前从来没这样过。",
                "water-quality",
            ),  # 5
            Call(
                "qs-07",
                "没水啦!全村都没水啦!我们老年人只能拎桶去河边挑水,你们到底管不管?",
                "supply",
            ),  # 6
            Call(
                "qs-08",
                "我家在青石村小学旁边,今天放出来的水有一股臭味,像烂泥塘的味道,不敢喝。",
                "water-quality",
            ),  # 7
            Call(
                "qs-09",
                "青石村二组的,水龙头拧开只有嗤嗤的气声,一滴水都没出来,啥时候恢复?",
                "supply",
            ),  # 8
            Call(
                "qs-10",
                "你们那个水是不是被污染了?青石村好几家都说水浑,我家水缸里看着也是黄汤。",
                "water-quality",
            ),  # 9
            # pressure, not supply: water does come, only weakly
            Call(
                "qs-11",
                "我们家在青石村坡上,平时水就小,这几天细得像根线,热水器都打不着火。",
                "pressure",
            ),  # 10
        ),
        # supply: qs-01, 03, 05, 07, 09 = 5 distinct
        # water-quality: qs-02, 04, 06, 08, 10 = 5 distinct
        groups=(frozenset({0, 2, 4, 6, 8}), frozenset({1, 3, 5, 7, 9})),
        note="two simultaneous outbreaks in one village (no water / dirty water) -> two separate groups; "
        "a low-pressure call joins neither",
    ),
    Scenario(
        name="water_neighbour_miss",
        industry="water",
        area="翠湖小区",
        calls=(
            Call(
                "ch-01", "翠湖小区6栋,早上起来就没水,刷牙的水都没有,今天是有检修吗?", "supply"
            ),  # 0
            # construction, not supply: road works by the water company
            Call(
                "ch-02",
                "翠湖小区门口自来水公司在挖路换管子,挖了一个星期了,车都开不进去,什么时候完工?",
                "construction",
            ),  # 1
            Call(
                "ch-03", "你好,我们家没水了,翠湖这边整栋楼都是,麻烦查一下是什么原因。", "supply"
            ),  # 2
            # neighbouring area: does not count for 翠湖小区
            Call(
                "ch-04",
                "我是碧水苑的,就在翠湖小区隔壁,我们这边也停水了,是不是同一根管子出的问题?",
                "supply",
                area="碧水苑",
            ),  # 3
            Call(
                "ch-05",
                "停水也不提前说一声,我今天请假在家装修,工人全干不了活,翠湖小区11栋。",
                "supply",
            ),  # 4
            Call(
                "ch-06", "翠湖小区的水到底什么时候来?我家宝宝的奶瓶都没法洗,急死人了。", "supply"
            ),  # 5
            Call(
                "ch-07",
                "我买了翠湖小区2栋的二手房,水费户名还是前房主的,想过户到我名下,要带什么材料?",
                "account",
            ),  # 6
            # repeat of ch-01
            Call(
                "ch-01",
                "我早上打过电话的,翠湖6栋那个,到现在还是没水,能不能派个人先送点水过来?",
                "supply",
            ),  # 7
        ),
        # supply in 翠湖小区: ch-01 (x2), 03, 05, 06 = 4 distinct; ch-04 is from 碧水苑 -> no group
        groups=(),
        note="5 distinct callers about the outage, but one lives in the neighbouring 碧水苑 and one caller "
        "rings twice: only 4 distinct in-area customers -> no group",
    ),
    Scenario(
        name="water_quiet_day",
        industry="water",
        area="和谐家园",
        calls=(
            Call(
                "hx-01", "和谐家园5栋今天下午停水了,看到通知说是检修,大概几点能来水?", "supply"
            ),  # 0
            Call(
                "hx-02", "和谐家园的水费这个月怎么多了六十多块,能帮我查一下用水量吗?", "billing"
            ),  # 1
            Call(
                "hx-03", "和谐家园7栋的水表玻璃碎了,读数都看不清了,需要换表吗,换表要钱吗?", "meter"
            ),  # 2
            Call(
                "hx-04", "和谐家园小区里绿化带旁边的水管漏水,地上一直在冒水,已经两天了。", "leak"
            ),  # 3
            Call(
                "hx-05", "和谐家园的住户,想问一下水费能不能用微信交,营业厅离我们太远了。", "payment"
            ),  # 4
            Call(
                "hx-06",
                "和谐家园也停水了?我还以为只有我家没水,下午做饭连一锅水都接不到。",
                "supply",
            ),  # 5
            Call(
                "hx-07", "我刚在和谐家园买了房,水费户头还是前房主的名字,想改成我自己的。", "account"
            ),  # 6
            Call(
                "hx-08", "和谐家园高层水压太低了,十八楼洗澡水小得可怜,热水器经常熄火。", "pressure"
            ),  # 7
            Call(
                "hx-09",
                "和谐家园的自来水烧开以后水垢特别多,是不是水质有问题,要不要装净水器?",
                "water-quality",
            ),  # 8
            Call(
                "hx-10", "你们自来水公司在和谐家园附近有营业网点吗?我想去办点业务。", "other"
            ),  # 9
        ),
        # every matter has at most 2 distinct customers
        groups=(),
        note="ten calls all naming 和谐家园 and talking about water, but on nine different matters -> no group",
    ),
    # --------------------------------------------------------------- property
    Scenario(
        name="property_elevator_building",
        industry="property",
        area="阳光城小区",
        calls=(
            Call(
                "yg-01", "阳光城8栋的电梯又坏了,卡在十二楼不动,我妈腿脚不好,下不了楼。", "elevator"
            ),  # 0
            Call(
                "yg-02",
                "阳光城小区楼下广场舞每天晚上放到十点多,音响开得震天响,孩子没法写作业。",
                "noise",
            ),  # 1
            Call(
                "yg-03",
                "8栋2单元电梯门打不开,按了半天没反应,我住二十六楼,买的菜只能拎着爬楼。",
                "elevator",
            ),  # 2
            Call(
                "yg-04",
                "你们物业怎么回事?电梯停了一上午,没人修也没贴告示,我们八号楼的住户都在爬楼梯。",
                "elevator",
            ),  # 3
            Call(
                "yg-05",
                "阳光城地下车库我的车位又被别人占了,打物业电话没人接,我的车停外面被贴了罚单。",
                "parking",
            ),  # 4
            Call(
                "yg-06",
                "刚才电梯突然往下一沉然后就停住了,里面还有人被困着,阳光城8栋1单元,快来人!",
                "elevator",
            ),  # 5
            # repeat of yg-03
            Call(
                "yg-03",
                "又是我,8栋2单元,电梯到现在还停着,家里老人下午要去医院复查,下不去楼怎么办?",
                "elevator",
            ),  # 6
            Call(
                "yg-07",
                "我住八栋十八楼,今天电梯一直显示故障,早上上班是走下去的,晚上还得爬上来吗?",
                "elevator",
            ),  # 7
            # cleaning, not elevator: mentions 电梯口 only as a place
            Call(
                "yg-08", "阳光城8栋楼道里的垃圾两天没人收了,味道很大,电梯口都堆满了。", "cleaning"
            ),  # 8
            # noise, not elevator: complains about the repair work's noise at night
            Call(
                "yg-09",
                "修电梯能不能别大半夜干?昨晚一点多还在8栋楼道里敲敲打打,吵得一整晚睡不着。",
                "noise",
            ),  # 9
        ),
        # elevator: yg-01, 03 (x2), 04, 06, 07 = 5 distinct
        # noise: yg-02, yg-09 = 2
        groups=(frozenset({0, 2, 3, 5, 6, 7}),),
        note="exactly 5 households of one building on a stuck elevator (one calls twice); cleaning and noise "
        "calls that mention 电梯 do not join",
    ),
    Scenario(
        name="property_power_outage",
        industry="property",
        area="金桂苑",
        calls=(
            Call(
                "jg-01",
                "金桂苑停电了,从下午两点到现在,冰箱里的东西都要坏了,物业有没有人管?",
                "power-gas",
            ),  # 0
            Call(
                "jg-02",
                "我们家突然跳闸了,出门一看整层楼都黑了,金桂苑5栋的,是不是配电房出问题了?",
                "power-gas",
            ),  # 1
            # security, not power: the door system failing is the complaint
            Call(
                "jg-03",
                "金桂苑停电以后门禁都失灵了,大门敞着谁都能进,保安也不见人,很不安全。",
                "security",
            ),  # 2
            Call(
                "jg-04", "家里没电了,空调不转,老人热得受不了,金桂苑这个季节怎么还停电?", "power-gas"
            ),  # 3
            Call(
                "jg-05",
                "喂,物业吗?金桂苑7栋楼道灯、家里全没电,手机也快没电了,到底什么时候来电?",
                "power-gas",
            ),  # 4
            Call(
                "jg-06", "金桂苑的垃圾桶满了没人清,苍蝇到处飞,你们保洁是不是放假了?", "cleaning"
            ),  # 5
            Call(
                "jg-07",
                "停电三个小时了!我在家办公电脑全断了,金桂苑物业连个通知都没有。",
                "power-gas",
            ),  # 6
            # timeliness: the repairman is late; about a water pipe, not the outage
            Call(
                "jg-08",
                "早上报修厨房水管漏水,说半小时上门,等到现在三个多小时了师傅还没来,金桂苑9栋。",
                "timeliness",
            ),  # 7
            Call(
                "jg-09",
                "小区是不是整个停电了?我刚从外面回来,单元门口黑漆漆的,电梯也停着,我住金桂苑3栋。",
                "power-gas",
            ),  # 8
            Call(
                "jg-10",
                "金桂苑儿童乐园的滑梯断了一块,断口很锋利,小孩子容易划伤,请尽快修一下。",
                "facility",
            ),  # 9
        ),
        # power-gas: jg-01, 02, 04, 05, 07, 09 = 6 distinct
        groups=(frozenset({0, 1, 3, 4, 6, 8}),),
        note="power outage in a property; a security call caused by the outage, a late repairman and "
        "others stay out",
    ),
    Scenario(
        name="property_noise_repeat_miss",
        industry="property",
        area="枫林湾小区",
        calls=(
            Call(
                "fl-01",
                "枫林湾10栋楼上装修,早上七点就开始电钻,周末都不让人睡个觉,物业管不管?",
                "noise",
            ),  # 0
            Call(
                "fl-02",
                "我家楼上天天砸墙,声音大得像地震,枫林湾10栋1单元,能不能规定一下施工时间?",
                "noise",
            ),  # 1
            Call(
                "fl-03",
                "枫林湾门口那个保安说话太冲了,我问一句快递放哪,他直接吼我,什么态度。",
                "attitude",
            ),  # 2
            # repeat of fl-01
            Call(
                "fl-01", "我上午打过电话说装修噪音的事,到现在还在打钻,你们到底去说了没有?", "noise"
            ),  # 3
            Call(
                "fl-04",
                "枫林湾晚上十一点了楼上还在拖东西敲东西,孩子明天要考试,实在受不了了。",
                "noise",
            ),  # 4
            Call(
                "fl-05",
                "上周物业给我家换的水龙头,才用了三天又滴水了,修了跟没修一样,枫林湾6栋。",
                "repair-quality",
            ),  # 5
            Call(
                "fl-06",
                "10栋有户人家装修动静太大了,整栋楼都能听见,我在家上网课根本听不清老师讲话。",
                "noise",
            ),  # 6
            Call(
                "fl-07",
                "枫林湾小区里面乱停车太严重,消防通道都被堵死了,物业也不管不贴条。",
                "parking",
            ),  # 7
        ),
        # noise: fl-01 (x2), 02, 04, 06 = 4 distinct in 5 calls -> no group
        groups=(),
        note="five noise calls but only 4 distinct customers (one calls twice) -> no group",
    ),
    # -------------------------------------------------------------- logistics
    Scenario(
        name="logistics_depot_delay",
        industry="logistics",
        area="南湖片区",
        calls=(
            Call(
                "nh-01",
                "我的快递三天没送了,查物流显示已经到南湖网点,就是不派送,到底怎么回事?",
                "delivery-delay",
            ),  # 0
            Call(
                "nh-02",
                "物流一直不动,停在南湖分拨中心两天了,我买的药等着用呢,能不能快点?",
                "delivery-delay",
            ),  # 1
            # parcel-lost: marked delivered but never received
            Call(
                "nh-03",
                "我有个包裹显示已签收,可我根本没收到,家里人也没拿,南湖片区桂花路的,东西是不是丢了?",
                "parcel-lost",
            ),  # 2
            Call(
                "nh-04",
                "说好昨天到的,今天还没到,打快递员电话也不接,南湖这边的件是不是都压着呢?",
                "delivery-delay",
            ),  # 3
            # attitude, not delay: about how the courier behaved
            Call(
                "nh-05",
                "你们南湖这片的快递员态度太差了,我让他送上楼,他说爱要不要,还把件扔在门口就走了。",
                "attitude",
            ),  # 4
            Call(
                "nh-06",
                "南湖花园的,一个件在网点放了四天了还没派,客服每次都说在安排,安排到什么时候?",
                "delivery-delay",
            ),  # 5
            # no area named; still a delay in this 片区
            Call(
                "nh-07", "催件!单号尾号3721,派送中已经显示了两天,人呢?东西呢?", "delivery-delay"
            ),  # 6
            # pickup: a booked collection that never came
            Call(
                "nh-08",
                "我约了上门取件,约的是上午,等了一天也没人来,南湖小区12栋,今天还能来吗?",
                "pickup",
            ),  # 7
            # tracking: the number shows nothing at all
            Call(
                "nh-09",
                "我的单号查不到任何信息,卖家说三天前就发了,你们系统是不是没录进去?",
                "tracking",
            ),  # 8
            Call(
                "nh-10",
                "生鲜快递压在南湖网点三天了,里面是海鲜,估计都臭了,你们必须给个说法。",
                "delivery-delay",
            ),  # 9
            # claim: about the compensation process for an older lost parcel
            Call(
                "nh-11",
                "上个月丢的那个件,理赔到现在还没到账,说是七个工作日,都快一个月了。",
                "claim",
            ),  # 10
        ),
        # delivery-delay: nh-01, 02, 04, 06, 07, 10 = 6 distinct
        groups=(frozenset({0, 1, 3, 5, 6, 9}),),
        note="a depot holding parcels: delays worded many ways; a lost parcel, a rude courier, a pickup, "
        "a tracking question and a claim in the same 片区 stay out",
    ),
    Scenario(
        name="logistics_neighbour_miss",
        industry="logistics",
        area="城西片区",
        calls=(
            Call(
                "cx-01",
                "城西这边的快递怎么这么慢,一个件从周一等到现在,网点说人手不够。",
                "delivery-delay",
            ),  # 0
            Call(
                "cx-02",
                "刚收到的快递箱子被压扁了,里面的玻璃杯碎了两个,城西翠竹路的。",
                "parcel-damaged",
            ),  # 1
            Call(
                "cx-03",
                "我在城西住,买的东西物流显示到站三天了,一直不派件,你们是怎么安排的?",
                "delivery-delay",
            ),  # 2
            # neighbouring area: does not count for 城西片区
            Call(
                "cx-04",
                "我城北的,快递也是一直卡在网点不送,跟城西是同一个网点吧?",
                "delivery-delay",
                area="城北片区",
            ),  # 3
            Call(
                "cx-05",
                "说好的次日达,现在第三天了还没到,城西花苑5栋,能不能给我个准确时间?",
                "delivery-delay",
            ),  # 4
            # delivery-delay, not pickup: the parcel is not being delivered at all
            Call(
                "cx-06",
                "快递员说件太多送不过来,让我自己去网点拿,那我交运费干嘛?城西片区的。",
                "delivery-delay",
            ),  # 5
            Call(
                "cx-07",
                "包裹外包装破了个大洞,里面的衣服都弄脏了,我要投诉,城西这边的。",
                "parcel-damaged",
            ),  # 6
            # repeat of cx-03
            Call(
                "cx-03",
                "还是我那个件,今天又显示延误派送,城西这边都第四天了,还要等多久?",
                "delivery-delay",
            ),  # 7
        ),
        # delivery-delay in 城西片区: cx-01, 03 (x2), 05, 06 = 4 distinct; cx-04 is from 城北片区 -> no group
        groups=(),
        note="5 distinct customers on delays but one from the neighbouring 城北片区 -> 4 in-area, no group",
    ),
    Scenario(
        name="logistics_rain_two_outbreaks",
        industry="logistics",
        area="北塘片区",
        calls=(
            Call(
                "bt-01",
                "昨天下大雨,快递员把我的件放门口也不盖一下,纸箱泡烂了,里面的书全湿了,北塘这边的。",
                "parcel-damaged",
            ),  # 0
            Call(
                "bt-02",
                "北塘片区今天的件是不是都不送了?我等一个加急件,物流两天都没更新了。",
                "delivery-delay",
            ),  # 1
            Call(
                "bt-03",
                "收到的包裹整个是湿的,电饭煲的盒子都泡软了,也不知道机器进水没有。",
                "parcel-damaged",
            ),  # 2
            Call(
                "bt-04",
                "网点说暴雨路淹了不派件,可今天雨都停了还是没送,我是北塘二村的。",
                "delivery-delay",
            ),  # 3
            # parcel-damaged: asks for compensation but the complaint is the damage itself
            Call(
                "bt-05",
                "我的快递被水泡了,是一箱纸尿裤,现在全鼓起来没法用了,北塘花园的,要求赔偿。",
                "parcel-damaged",
            ),  # 4
            # tracking: an outgoing parcel whose status never moves past 揽收
            Call(
                "bt-06",
                "我寄出去的件物流信息一直显示已揽收,到底发出去没有?我是在北塘这边寄的。",
                "tracking",
            ),  # 5
            Call(
                "bt-07",
                "快三天了,我那个件还在北塘网点躺着,下雨不送我理解,天晴了总该送了吧。",
                "delivery-delay",
            ),  # 6
            Call(
                "bt-08",
                "北塘片区的,快递箱底下全是水渍,打开一看手机盒都泡变形了,手机不知道有没有事。",
                "parcel-damaged",
            ),  # 7
            Call(
                "bt-09",
                "说好昨天到的,今天还显示运输中,北塘这一片是不是全部延误了?",
                "delivery-delay",
            ),  # 8
            Call(
                "bt-10",
                "派件员冒雨送来的件,外面的袋子破了,里面的羽绒服湿透了,能不能处理一下?",
                "parcel-damaged",
            ),  # 9
            Call(
                "bt-11",
                "我的生日礼物到现在还没送到,生日都过完了,北塘片区的,真是气死人了。",
                "delivery-delay",
            ),  # 10
        ),
        # parcel-damaged: bt-01, 03, 05, 08, 10 = 5 distinct
        # delivery-delay: bt-02, 04, 07, 09, 11 = 5 distinct
        groups=(frozenset({0, 2, 4, 7, 9}), frozenset({1, 3, 6, 8, 10})),
        note="after a rainstorm: soaked parcels and held parcels are two different outbreaks -> two groups; "
        "a tracking question stays out",
    ),
    # -------------------------------------------------------------- ecommerce
    Scenario(
        name="ecommerce_flash_sale",
        industry="ecommerce",
        area="丽景湾小区",
        calls=(
            Call(
                "lj-01",
                "昨晚秒杀的大米一直显示待发货,都快二十四小时了,丽景湾小区的团长也说不知道。",
                "order-status",
            ),  # 0
            Call(
                "lj-02",
                "我在你们平台抢的那个电饭锅,订单状态一直没变,说好当天发货的,是不是不打算发了?",
                "order-status",
            ),  # 1
            # price: refund of a price difference, not the shipping problem
            Call(
                "lj-03", "我昨天原价买的食用油,今天秒杀便宜了三十块,能不能给我退个差价?", "price"
            ),  # 2
            Call(
                "lj-04",
                "丽景湾的,秒杀活动下的单到现在也没发,页面就写着商家备货中,要备到什么时候?",
                "order-status",
            ),  # 3
            Call(
                "lj-05",
                "我上个月在你们平台买的家电,申请的电子发票一直没开出来,单位等着报销呢。",
                "invoice",
            ),  # 4
            Call(
                "lj-06",
                "你们这个秒杀是不是骗人的?抢到了又不发货,我们小区好几个人都是一样的情况。",
                "order-status",
            ),  # 5
            Call(
                "lj-07",
                "收到的拖鞋尺码发错了,申请换货三天了也没人审核,丽景湾小区5栋。",
                "return-exchange",
            ),  # 6
            Call(
                "lj-08",
                "订单号尾号0098,秒杀的牛奶显示已付款未发货,客服机器人只会说耐心等待。",
                "order-status",
            ),  # 7
            # repeat of lj-04
            Call(
                "lj-04",
                "我又来问了,丽景湾那个秒杀订单还是没动静,再不发货我就申请退款了。",
                "order-status",
            ),  # 8
            Call(
                "lj-09",
                "秒杀买了两箱鸡蛋,团长说今天到自提点,结果后台一直显示待发货,你们到底有没有货?",
                "order-status",
            ),  # 9
            Call(
                "lj-10",
                "我开了你们平台的会员,说好每周有免运费券,这周怎么没发到我账户里?",
                "membership",
            ),  # 10
        ),
        # order-status: lj-01, 02, 04 (x2), 06, 08, 09 = 6 distinct
        groups=(frozenset({0, 1, 3, 5, 7, 8, 9}),),
        note="flash-sale orders not shipped; a price-difference request about the same sale, an invoice, "
        "an exchange and a membership question stay out",
    ),
    Scenario(
        name="ecommerce_counterfeit_near_miss",
        industry="ecommerce",
        area="桃源小区",
        calls=(
            Call(
                "ty-01",
                "我在你们平台买的名牌洗发水,味道跟专柜的完全不一样,瓶盖也很粗糙,肯定是假货。",
                "counterfeit",
            ),  # 0
            Call(
                "ty-02",
                "桃源小区团购的那批白酒是假的,我拿去专卖店验过了,防伪码根本查不到。",
                "counterfeit",
            ),  # 1
            Call(
                "ty-03",
                "买的电风扇用了两天就不转了,还有一股焦味,质量也太差了,桃源小区8栋。",
                "product-quality",
            ),  # 2
            Call(
                "ty-04",
                "收到的耳机包装上的字都印歪了,序列号在官网也查不到,你们卖假货是吧?",
                "counterfeit",
            ),  # 3
            # repeat of ty-02
            Call(
                "ty-02",
                "上午反映的假酒问题还没人回复我,桃源小区好几家都买了,我要求退一赔三。",
                "counterfeit",
            ),  # 4
            # neighbouring area: does not count for 桃源小区
            Call(
                "ty-05",
                "我住杏花苑,离桃源小区不远,也买了团购的那个白酒,喝着像酒精勾兑的,是不是假的?",
                "counterfeit",
                area="杏花苑",
            ),  # 5
            Call(
                "ty-06",
                "申请了退货,快递都寄回去一个星期了,退款到现在还没到账,你们怎么回事?",
                "return-exchange",
            ),  # 6
            Call(
                "ty-07",
                "桃源小区的,团购买的奶粉罐底批号跟官网对不上,孩子已经喝了半罐,很担心是假奶粉。",
                "counterfeit",
            ),  # 7
            # product-quality, not counterfeit: says 真皮 but complains of poor quality
            Call(
                "ty-08",
                "你们卖的那个真皮包,才背了一个星期皮就开始掉渣,这质量对得起这个价吗?",
                "product-quality",
            ),  # 8
        ),
        # counterfeit in 桃源小区: ty-01, 02 (x2), 04, 07 = 4 distinct; ty-05 is from 杏花苑 -> no group
        groups=(),
        note="six counterfeit calls, but one is a repeat and one comes from a neighbouring 小区: 4 in-area "
        "distinct -> no group",
    ),
    # ----------------------------------------------------------------- retail
    Scenario(
        name="retail_spoiled_milk",
        industry="retail",
        area="和平小区",
        calls=(
            Call(
                "hp-01",
                "我在和平小区门口惠民超市买的鲜牛奶,打开一股酸味,日期还没过呢。",
                "product-quality",
            ),  # 0
            Call(
                "hp-02",
                "惠民超市价签上写的苹果九块九一斤,结账的时候按十五块八收的,明显多收钱了。",
                "price",
            ),  # 1
            Call(
                "hp-03",
                "今天早上给孩子热牛奶,倒出来全是结块的,是昨天在你们和平店买的。",
                "product-quality",
            ),  # 2
            Call(
                "hp-04",
                "你们和平小区那家店的盒装奶是坏的,我喝了一口就吐了,现在肚子还在疼。",
                "product-quality",
            ),  # 3
            Call(
                "hp-05",
                "我的会员积分怎么少了两千多?我没用过啊,和平店的收银员让我打电话问客服。",
                "membership",
            ),  # 4
            Call(
                "hp-06",
                "买的那批纯牛奶胀包了,盒子鼓鼓的,我看货架上别的几盒也一样,你们赶紧下架吧。",
                "product-quality",
            ),  # 5
            Call(
                "hp-07",
                "惠民超市和平店那个收银员太没礼貌了,我问一下价格她就翻白眼,说爱买不买。",
                "attitude",
            ),  # 6
            Call(
                "hp-08",
                "和平小区的,昨晚买的牛奶早上一开盒就是馊的,还有絮状物,我家老人差点就喝了。",
                "product-quality",
            ),  # 7
            Call(
                "hp-09",
                "在惠民超市买的牛奶才放了一天就变质了,一股怪味,是不是你们冷柜坏了?",
                "product-quality",
            ),  # 8
            # price, not product-quality: mentions 牛奶 but disputes a promotion at checkout
            Call(
                "hp-10",
                "你们和平店的牛奶标签写着买一送一,结账的时候又不认,说活动已经结束了。",
                "price",
            ),  # 9
        ),
        # product-quality: hp-01, 03, 04, 06, 08, 09 = 6 distinct
        groups=(frozenset({0, 2, 3, 5, 7, 8}),),
        note="a batch of spoiled milk from one store; a price complaint about the same milk, a membership "
        "question and a rude cashier stay out",
    ),
    Scenario(
        name="retail_membership_vs_price",
        industry="retail",
        area="金山小区",
        calls=(
            Call(
                "js-01",
                "万家福超市的会员积分今天全清零了,我攒了一整年,说都没说一声就没了。",
                "membership",
            ),  # 0
            Call(
                "js-02",
                "金山店的鸡蛋比隔壁贵一块五,价签上写的特价,结账还是原价,你们这叫价格欺诈。",
                "price",
            ),  # 1
            Call(
                "js-03",
                "会员卡刷不出积分了,收银员说系统升级以后积分要重新核对,可我的积分一下从三千变成零。",
                "membership",
            ),  # 2
            Call(
                "js-04",
                "我买了一袋大米,小票上的价格跟货架上标的不一样,多收了八块钱,金山小区这家店。",
                "price",
            ),  # 3
            Call(
                "js-05",
                "我是万家福的老会员,今天去买菜发现积分没了,会员等级也变成普通会员了。",
                "membership",
            ),  # 4
            Call(
                "js-06",
                "你们超市会员系统是不是出问题了?我的积分兑换券也不能用了,金山小区3栋的。",
                "membership",
            ),  # 5
            # repeat of js-02
            Call(
                "js-02", "还是鸡蛋价格的事,我上午已经说过了,到现在也没人给我退差价。", "price"
            ),  # 6
            Call(
                "js-07",
                "金山小区门口的万家福,打折猪肉标签写着二十九块八,称完变成三十六了。",
                "price",
            ),  # 7
            Call(
                "js-08",
                "会员日说好的双倍积分,结果我这次消费一分都没加,之前的积分也查不到了。",
                "membership",
            ),  # 8
            Call(
                "js-09",
                "同样一瓶酱油,你们APP上卖十二块,店里卖十六,为啥线上线下价格不一样?",
                "price",
            ),  # 9
            Call(
                "js-10", "在金山店买了一台电视,要开发票,收银台说开不了,让我找客服。", "invoice"
            ),  # 10
        ),
        # membership: js-01, 03, 05, 06, 08 = 5 distinct
        # price: js-02 (x2), 04, 07, 09 = 4 distinct -> no group
        groups=(frozenset({0, 2, 4, 5, 8}),),
        note="loyalty points wiped after a system upgrade (5 distinct) vs. price complaints (5 calls, "
        "4 distinct) -> only the membership group",
    ),
    # ---------------------------------------------------------------- telecom
    Scenario(
        name="telecom_village_broadband",
        industry="telecom",
        area="东湖村",
        calls=(
            Call(
                "dh-01",
                "东湖村的,家里宽带从早上就断了,光猫上的灯一直闪红灯,重启了好几次都没用。",
                "broadband-outage",
            ),  # 0
            # iptv: a how-to question, nothing is broken
            Call(
                "dh-02",
                "我想问一下,家里的IPTV电视怎么看回放?遥控器按了半天也找不到,东湖村的。",
                "iptv",
            ),  # 1
            Call(
                "dh-03",
                "网连不上,手机连WiFi显示已连接但上不了网,电脑也一样,我们是东湖村一组的。",
                "broadband-outage",
            ),  # 2
            # signal: mobile phone coverage, not the broadband line
            Call(
                "dh-04",
                "东湖村这边手机信号太差了,在屋里打电话老是断,得跑到院子里才能接通。",
                "signal",
            ),  # 3
            Call(
                "dh-05",
                "光猫红灯亮着,路由器没网,孩子上网课都上不了,你们东湖村的线路是不是断了?",
                "broadband-outage",
            ),  # 4
            # billing: mentions 宽带 but disputes the charge
            Call(
                "dh-06",
                "我这个月的话费怎么扣了两百多?套餐才九十九,东湖村的宽带也是绑在这个号上的。",
                "billing",
            ),  # 5
            # slow-network, not outage: the line works, only slowly
            Call(
                "dh-07",
                "东湖村晚上网速特别慢,看个视频一直转圈,测速才两兆,白天还好一点。",
                "slow-network",
            ),  # 6
            Call(
                "dh-08",
                "我家断网了,从昨天晚上十点到现在都没恢复,东湖村村委旁边那户,麻烦派个师傅。",
                "broadband-outage",
            ),  # 7
            Call(
                "dh-09",
                "村里是不是全断网了?我问了几个邻居都上不了网,在家直播卖货全耽误了。",
                "broadband-outage",
            ),  # 8
            # repeat of dh-03
            Call(
                "dh-03",
                "上午报过障的,东湖村一组,网还是连不上,路由器的灯也还是红的,师傅什么时候来?",
                "broadband-outage",
            ),  # 9
            # slow-network: "能上" -> not an outage
            Call(
                "dh-10",
                "网是能上,就是慢得要命,打开一个网页要半分钟,东湖村三组的,是不是宽带被限速了?",
                "slow-network",
            ),  # 10
            # broadband-outage: IPTV fails only because the line is down
            Call(
                "dh-11",
                "宽带一点反应都没有,连带着IPTV电视也看不了,东湖村五组的,赶紧派人来修一下。",
                "broadband-outage",
            ),  # 11
        ),
        # broadband-outage: dh-01, 03 (x2), 05, 08, 09, 11 = 6 distinct
        # slow-network: dh-07, dh-10 = 2
        groups=(frozenset({0, 2, 4, 7, 8, 9, 11}),),
        note="village broadband outage; an IPTV question, a phone-signal complaint, a billing dispute and "
        "two slow-network calls in the same village stay out",
    ),
    Scenario(
        name="telecom_signal_outbreak",
        industry="telecom",
        area="柳岸小区",
        calls=(
            Call(
                "la-01",
                "柳岸小区这两天手机一点信号都没有,电话打不出去也接不进来,是不是基站坏了?",
                "signal",
            ),  # 0
            Call(
                "la-02",
                "柳岸小区9栋的,家里宽带突然断了,光猫上LOS灯一直亮红灯,麻烦派人看看。",
                "broadband-outage",
            ),  # 1
            Call(
                "la-03",
                "在家里手机只有一格信号,发个微信都发不出去,我住柳岸7栋,以前不是这样的。",
                "signal",
            ),  # 2
            Call(
                "la-04",
                "我想把现在的套餐改成一百二十九的那个,流量多一点,柳岸小区这边能办吗?",
                "plan",
            ),  # 3
            Call(
                "la-05",
                "手机显示无服务,跑到阳台上才有一点点,柳岸小区的,我妈打电话找不到我急坏了。",
                "signal",
            ),  # 4
            Call(
                "la-06",
                "你们柳岸那边的基站是不是拆了?打电话说两句就断,对方听我说话断断续续的。",
                "signal",
            ),  # 5
            # repair-quality: about last week's broadband repair
            Call(
                "la-07",
                "上周师傅来修宽带,修完第二天又不行了,根本没修好,柳岸小区3栋。",
                "repair-quality",
            ),  # 6
            Call(
                "la-08",
                "柳岸小区地下车库和电梯里本来就没信号,现在连家里客厅也一格都没有了。",
                "signal",
            ),  # 7
            Call(
                "la-09", "家里WiFi连不上网了,柳岸小区12栋,是不是小区线路有问题?", "broadband-outage"
            ),  # 8
            Call(
                "la-10",
                "4G、5G都没信号,手机一直在搜索网络,柳岸小区的,工作电话都接不了,损失谁负责?",
                "signal",
            ),  # 9
        ),
        # signal: la-01, 03, 05, 06, 08, 10 = 6 distinct
        # broadband-outage: la-02, la-09 = 2
        groups=(frozenset({0, 2, 4, 5, 7, 9}),),
        note="mobile-signal outbreak in a 小区; two broadband calls, a plan change and a repair-quality "
        "complaint stay out",
    ),
    Scenario(
        name="telecom_slow_vs_outage",
        industry="telecom",
        area="河口村",
        calls=(
            Call(
                "hk-01",
                "河口村的,宽带断了一上午,光猫和路由器都重启过了,还是一点网都没有。",
                "broadband-outage",
            ),  # 0
            Call(
                "hk-02",
                "河口村这边网太卡了,刷个视频转半天,测了一下才三兆,我办的可是一百兆的。",
                "slow-network",
            ),  # 1
            Call(
                "hk-03",
                "网连不上,手机电脑都上不了,河口村二组的,家里人都等着用网呢。",
                "broadband-outage",
            ),  # 2
            Call(
                "hk-04",
                "网速慢得要死,玩个游戏延迟好几百,河口村的宽带是不是被限速了?",
                "slow-network",
            ),  # 3
            Call(
                "hk-05",
                "我家光猫一直亮红灯,网线插着也没用,河口村西头那户,麻烦尽快派人来。",
                "broadband-outage",
            ),  # 4
            # slow-network: "白天还能凑合" -> degraded, not down
            Call(
                "hk-06",
                "晚上一到七八点网就特别慢,网页半天打不开,白天还能凑合,河口村三组的。",
                "slow-network",
            ),  # 5
            Call(
                "hk-07",
                "河口村是不是断网了?邻居家也上不了网,你们那边有没有收到故障?",
                "broadband-outage",
            ),  # 6
            Call(
                "hk-08",
                "网速特别慢,开个视频会议卡成幻灯片,下载东西才几十K,我在河口村小学后面。",
                "slow-network",
            ),  # 7
            Call(
                "hk-09", "河口村的手机信号也不好,打电话老掉线,能不能在村里加个基站?", "signal"
            ),  # 8
        ),
        # broadband-outage: hk-01, 03, 05, 07 = 4; slow-network: hk-02, 04, 06, 08 = 4 -> no group
        groups=(),
        note="4 outage + 4 slow-network calls in one village: merged they would be 8, but they are "
        "different matters -> no group",
    ),
)
