// catalog.mjs - the services catalog of the Gongshu pack (issue 5 part B):
// the park's 68 mobile service items, the 13 medical-insurance matters
// served at bank counters, and the seed's joint approval (三证联办). build.mjs
// appends these matters at the end of matters.json (replacing its own
// earlier copies, never touching the other matters) and places the 4
// banks' outlets, which list the medical-insurance matters they handle.
// Pure data and a few helpers: no randomness here.

export const CATALOG_GROUPS = ["park_services", "medical_insurance", "joint_approval"];

// Departments that serve the catalog but are not in the street's 12-member
// linkage team (综合联动队伍).
export const SERVICE_DEPARTMENTS = [
  { id: "park_committee", name_zh: "区科技工业区管委会", name_en: "Science & Industry Park committee" },
  { id: "medical_insurance", name_zh: "医疗保障局", name_en: "Healthcare security bureau" },
  { id: "natural_resources", name_zh: "规划和自然资源局", name_en: "Planning & natural resources bureau" },
  { id: "hr_social", name_zh: "人力社保局", name_en: "Human resources & social security bureau" },
];

const M = (id, zh, en, types = ["pdf", "jpeg", "png"], required = true) => ({ id, name_zh: zh, name_en: en, required, types });
const LICENCE = M("business_licence", "营业执照", "Business licence");
const ID_CARD = M("id_card", "身份证", "Identity card", ["pdf", "jpeg", "png"]);
const APPLY = M("application_form", "申请表", "Application form", ["pdf"]);
const CONTRACT = M("contract", "合同或协议", "Contract or agreement", ["pdf"]);
const SOCIAL = M("social_insurance", "社保缴纳证明", "Social-insurance payment record", ["pdf"]);
const INVOICE = M("invoices", "相关发票", "Invoices", ["pdf", "jpeg", "png"]);
const MED_CARD = M("medical_card", "社会保障卡（医保卡）", "Social security (medical) card", ["jpeg", "png", "pdf"]);
const HOSPITAL = M("hospital_record", "病历或诊断证明", "Medical record or diagnosis", ["pdf", "jpeg", "png"]);

const T = (id, zh, en, type, req, extra = {}) => ({ id, type, label_zh: zh, label_en: en, required: req, ...extra });
const opt = (id, zh, en) => ({ id, label_zh: zh, label_en: en });
const F_CONTACT = T("contact_phone", "联系电话", "Contact phone", "phone", true);
const F_COMPANY = T("company", "企业名称", "Company name", "text", true, { max: 100 });
const F_NOTE = T("details", "情况说明", "Details", "textarea", false, { max: 1000 });

// [id, name_zh, name_en, department, days, materials, form (null: none), channels]
const P = "park_committee", MS = "market_supervision", HR = "hr_social";
const PARK = [
  // enterprise registration and changes
  ["park_company_setup", "企业开办一件事", "Company set-up in one go", MS, 1, [ID_CARD, M("articles", "公司章程", "Articles of association", ["pdf"]), M("lease", "经营场所证明", "Proof of premises")]],
  ["park_company_change", "企业变更登记", "Company change registration", MS, 3, [LICENCE, APPLY, M("resolution", "股东会决议", "Shareholders' resolution", ["pdf"])]],
  ["park_company_deregister", "企业简易注销", "Simplified company deregistration", MS, 20, [LICENCE, APPLY]],
  ["park_address_cert", "园区住所（经营场所）证明", "Park address certificate for registration", P, 1, [LICENCE, M("lease", "租赁合同", "Lease", ["pdf"])]],
  ["park_settle_in", "企业入驻申请", "Moving into the park", P, 5, [LICENCE, APPLY, M("business_plan", "商业计划书", "Business plan", ["pdf"])], [F_COMPANY, F_CONTACT, T("area_m2", "需求面积（㎡）", "Space needed (m²)", "text", true, { max: 10 })]],
  ["park_move_out", "企业迁出申请", "Moving out of the park", P, 5, [LICENCE, APPLY]],
  ["park_credit_report", "企业信用报告开具", "Enterprise credit report", MS, 2, [LICENCE]],
  ["park_seal_engraving", "公章刻制备案", "Company seal engraving record", "police", 1, [LICENCE, ID_CARD]],
  // talent
  ["park_talent_apartment", "人才公寓申请", "Talent apartment application", P, 10, [ID_CARD, M("degree", "学历学位证书", "Degree certificate"), M("labour_contract", "劳动合同", "Labour contract", ["pdf"]), SOCIAL], [F_COMPANY, F_CONTACT, T("household", "入住人数", "Occupants", "choice", true, { options: [opt("1", "1人", "1"), opt("2", "2人", "2"), opt("3", "3人及以上", "3 or more")] })]],
  ["park_talent_apartment_renew", "人才公寓续租", "Talent apartment lease renewal", P, 5, [ID_CARD, SOCIAL]],
  ["park_talent_apartment_repair", "人才公寓报修", "Talent apartment repair", P, 2, [], [F_CONTACT, T("room", "房号", "Room", "text", true, { max: 20 }), T("photo", "照片", "Photo", "photo", false), F_NOTE]],
  ["park_talent_subsidy", "高层次人才生活补贴", "High-level talent living allowance", HR, 20, [ID_CARD, M("talent_cert", "人才认定证书", "Talent certificate"), SOCIAL]],
  ["park_graduate_subsidy", "高校毕业生租房补贴", "Graduate rent subsidy", HR, 20, [ID_CARD, M("degree", "学历学位证书", "Degree certificate"), SOCIAL, M("lease", "租赁合同", "Lease", ["pdf"])]],
  ["park_talent_recognition", "人才分类认定", "Talent classification", HR, 15, [ID_CARD, M("degree", "学历学位证书", "Degree certificate"), M("achievements", "业绩证明材料", "Proof of achievements", ["pdf"])]],
  ["park_hukou_talent", "人才落户服务", "Talent household registration", "police", 10, [ID_CARD, M("degree", "学历学位证书", "Degree certificate"), M("labour_contract", "劳动合同", "Labour contract", ["pdf"])]],
  ["park_child_school", "人才子女入学服务", "School places for talents' children", P, 15, [ID_CARD, M("talent_cert", "人才认定证书", "Talent certificate"), M("hukou", "户口簿", "Household register")]],
  ["park_recruitment_fair", "园区招聘会报名", "Park job-fair registration", HR, 3, [LICENCE], [F_COMPANY, F_CONTACT, T("posts", "招聘岗位数", "Posts offered", "text", true, { max: 10 })]],
  ["park_employment_register", "用工备案", "Employment record filing", HR, 3, [LICENCE, M("labour_contract", "劳动合同", "Labour contract", ["pdf"])]],
  ["park_foreign_work_permit", "外国人来华工作许可", "Foreigner's work permit", HR, 10, [M("passport", "护照", "Passport"), M("labour_contract", "劳动合同", "Labour contract", ["pdf"]), M("degree", "学历学位证书", "Degree certificate")]],
  ["park_training_subsidy", "职业技能培训补贴", "Vocational training subsidy", HR, 20, [LICENCE, M("training_record", "培训记录", "Training records", ["pdf"]), INVOICE]],
  // parking and traffic
  ["park_parking_permit", "园区停车证办理", "Park parking permit", P, 3, [M("vehicle_licence", "行驶证", "Vehicle licence"), M("work_cert", "在职证明", "Proof of employment", ["pdf"])], [F_CONTACT, T("plate", "车牌号", "Licence plate", "text", true, { max: 10 }), T("lot", "停车场", "Car park", "choice", true, { options: [opt("beibu", "北部软件园停车场", "Northern Software Park"), opt("wanggu", "智慧网谷停车场", "Smart Web Valley"), opt("kangqiao", "康桥停车场", "Kangqiao")] })]],
  ["park_parking_permit_renew", "停车证续期", "Parking permit renewal", P, 2, [M("vehicle_licence", "行驶证", "Vehicle licence")]],
  ["park_visitor_parking", "访客车辆预约", "Visitor parking booking", P, 1, [], [F_CONTACT, T("plate", "车牌号", "Licence plate", "text", true, { max: 10 }), T("date", "来访日期", "Visit date", "date", true)]],
  ["park_ev_charging", "新能源充电桩申请", "EV charging point application", P, 10, [M("vehicle_licence", "行驶证", "Vehicle licence"), M("lease", "车位租赁合同", "Parking space lease", ["pdf"])]],
  ["park_shuttle_bus", "园区通勤班车申请", "Park shuttle bus pass", P, 3, [M("work_cert", "在职证明", "Proof of employment", ["pdf"])]],
  ["park_bike_parking", "非机动车停放问题反映", "Bicycle parking problem", P, 2, [], [F_CONTACT, T("location", "位置", "Location", "location", true), T("photo", "照片", "Photo", "photo", false), F_NOTE]],
  // intellectual property
  ["park_patent_filing", "专利申请代办", "Patent filing service", MS, 5, [LICENCE, M("disclosure", "技术交底书", "Invention disclosure", ["pdf"])]],
  ["park_trademark_filing", "商标注册代办", "Trademark registration service", MS, 5, [LICENCE, M("logo", "商标图样", "Trademark image", ["jpeg", "png"])]],
  ["park_patent_pledge", "专利权质押融资", "Patent pledge financing", MS, 15, [LICENCE, M("patent_cert", "专利证书", "Patent certificate"), CONTRACT]],
  ["park_ip_subsidy", "知识产权资助", "Intellectual property grant", MS, 30, [LICENCE, M("patent_cert", "专利证书", "Patent certificate"), INVOICE]],
  ["park_ip_protection", "知识产权维权援助", "IP infringement assistance", MS, 10, [LICENCE, M("evidence", "侵权证据", "Evidence of infringement")], [F_COMPANY, F_CONTACT, F_NOTE]],
  ["park_software_copyright", "软件著作权登记代办", "Software copyright registration", MS, 5, [LICENCE, M("source_excerpt", "源程序及文档", "Source code and manual excerpt", ["pdf"])]],
  ["park_hightech_cert", "高新技术企业认定辅导", "High-tech enterprise certification support", P, 30, [LICENCE, M("rd_report", "研发费用专项审计报告", "R&D expense audit", ["pdf"]), M("patent_cert", "知识产权证书", "IP certificates")]],
  ["park_sme_tech", "科技型中小企业评价", "Tech SME evaluation", P, 15, [LICENCE, M("rd_report", "研发费用明细", "R&D expense detail", ["pdf"])]],
  // policy subsidies
  ["park_rent_subsidy", "企业房租补贴", "Enterprise rent subsidy", P, 20, [LICENCE, M("lease", "租赁合同", "Lease", ["pdf"]), INVOICE]],
  ["park_rd_subsidy", "研发投入补助", "R&D investment subsidy", P, 30, [LICENCE, M("rd_report", "研发费用专项审计报告", "R&D expense audit", ["pdf"])]],
  ["park_digital_subsidy", "数字化改造补助", "Digital transformation subsidy", P, 30, [LICENCE, CONTRACT, INVOICE]],
  ["park_startup_subsidy", "创业扶持资金", "Start-up support fund", HR, 20, [LICENCE, ID_CARD, SOCIAL]],
  ["park_startup_loan", "创业担保贷款", "Guaranteed start-up loan", HR, 15, [LICENCE, ID_CARD, M("credit_record", "个人征信报告", "Personal credit report", ["pdf"])]],
  ["park_listing_support", "企业上市培育扶持", "IPO preparation support", P, 30, [LICENCE, M("sponsor_agreement", "保荐协议", "Sponsor agreement", ["pdf"])]],
  ["park_exhibition_subsidy", "参展补贴", "Trade-fair participation subsidy", "commerce", 20, [LICENCE, M("booth_contract", "展位合同", "Booth contract", ["pdf"]), INVOICE]],
  ["park_policy_consult", "惠企政策咨询", "Policy consultation", P, 2, [], [F_COMPANY, F_CONTACT, T("topic", "咨询事项", "Topic", "choice", true, { options: [opt("tax", "税收", "Tax"), opt("talent", "人才", "Talent"), opt("finance", "融资", "Finance"), opt("other", "其他", "Other")] }), F_NOTE]],
  ["park_policy_cash", "政策兑现申请", "Policy benefit payment", P, 15, [LICENCE, APPLY, M("bank_account", "开户许可证", "Bank account licence")]],
  ["park_specialised_sme", "专精特新企业申报", "Specialised & innovative SME application", P, 30, [LICENCE, APPLY, M("financials", "财务报表", "Financial statements", ["pdf"])]],
  ["park_tax_registration", "税务登记与发票申领", "Tax registration and invoices", "commerce", 2, [LICENCE, ID_CARD]],
  ["park_finance_match", "融资对接服务", "Financing match-making", P, 5, [LICENCE, M("financials", "财务报表", "Financial statements", ["pdf"])], [F_COMPANY, F_CONTACT, T("amount", "融资需求（万元）", "Amount needed (10k CNY)", "text", true, { max: 12 })]],
  // property, facilities and construction
  ["park_office_repair", "办公楼宇报修", "Office building repair", P, 2, [], [F_CONTACT, T("location", "位置", "Location", "location", true), T("photo", "照片", "Photo", "photo", false), F_NOTE]],
  ["park_street_light", "园区路灯故障报修", "Park street light fault", P, 2, [], [T("location", "位置", "Location", "location", true), T("photo", "照片", "Photo", "photo", false), F_NOTE]],
  ["park_access_card", "门禁卡办理", "Access card", P, 1, [ID_CARD, M("work_cert", "在职证明", "Proof of employment", ["pdf"])]],
  ["park_meeting_room", "公共会议室预约", "Shared meeting room booking", P, 1, [], [F_COMPANY, F_CONTACT, T("date", "使用日期", "Date", "date", true)]],
  ["park_decoration", "装修备案", "Fit-out filing", "housing", 5, [LICENCE, M("drawings", "装修图纸", "Fit-out drawings", ["pdf"]), CONTRACT]],
  ["park_fire_check", "消防安全检查申请", "Fire safety inspection request", "fire", 10, [LICENCE, M("fire_plan", "消防设计文件", "Fire design documents", ["pdf"])]],
  ["park_construction_noise", "夜间施工许可", "Night construction permit", "environment", 3, [LICENCE, M("construction_plan", "施工方案", "Construction plan", ["pdf"])]],
  ["park_dust_complaint", "施工扬尘投诉", "Construction dust complaint", "environment", 2, [], [T("location", "位置", "Location", "location", true), T("photo", "照片", "Photo", "photo", false), F_NOTE]],
  ["park_waste_collection", "企业垃圾清运预约", "Commercial waste collection", "urban_mgmt", 2, [LICENCE], [F_COMPANY, F_CONTACT, T("date", "清运日期", "Date", "date", true)]],
  ["park_hazardous_waste", "危险废物转移备案", "Hazardous waste transfer filing", "environment", 10, [LICENCE, CONTRACT]],
  ["park_env_assessment", "环评审批咨询", "Environmental assessment consultation", "environment", 10, [LICENCE, M("project_brief", "项目简介", "Project brief", ["pdf"])]],
  ["park_signage", "户外招牌设置备案", "Outdoor signage filing", "urban_mgmt", 5, [LICENCE, M("sign_design", "招牌设计图", "Sign design", ["pdf", "jpeg", "png"])]],
  ["park_water_power", "水电气报装", "Water, power and gas connection", P, 10, [LICENCE, M("property_cert", "产权证明", "Property certificate")]],
  ["park_network", "通信网络报装", "Network connection", P, 5, [LICENCE], [F_COMPANY, F_CONTACT, T("bandwidth", "带宽需求", "Bandwidth", "choice", true, { options: [opt("100m", "100M", "100 Mbit/s"), opt("1g", "1000M", "1 Gbit/s")] })]],
  // safety and community
  ["park_safety_training", "安全生产培训报名", "Work-safety training sign-up", "emergency", 3, [LICENCE]],
  ["park_hazard_report", "安全隐患报告", "Safety hazard report", "emergency", 1, [], [F_CONTACT, T("location", "位置", "Location", "location", true), T("photo", "照片", "Photo", "photo", true), F_NOTE]],
  ["park_event_approval", "园区活动场地申请", "Park event venue application", P, 5, [LICENCE, M("event_plan", "活动方案", "Event plan", ["pdf"]), M("safety_plan", "安全预案", "Safety plan", ["pdf"])]],
  ["park_canteen", "园区食堂就餐卡办理", "Park canteen card", P, 1, [M("work_cert", "在职证明", "Proof of employment", ["pdf"])]],
  ["park_childcare", "园区托育服务报名", "Park childcare sign-up", P, 5, [ID_CARD, M("birth_cert", "出生医学证明", "Birth certificate")]],
  ["park_mothers_job", "全职妈妈就业帮扶登记", "Employment help for full-time mothers", HR, 5, [ID_CARD], [F_CONTACT, T("intention", "就业意向", "Job intention", "textarea", true, { max: 500 })]],
  ["park_labour_dispute", "劳动争议调解", "Labour dispute mediation", HR, 15, [ID_CARD, M("labour_contract", "劳动合同", "Labour contract", ["pdf"])], [F_CONTACT, F_NOTE]],
  ["park_suggestion", "园区意见建议", "Suggestions to the park", P, 5, [], [F_CONTACT, F_NOTE]],
];

// The 13 high-frequency matters handled at the counters of the 4 banks (医银合作).
const MI = "medical_insurance";
const MEDICAL = [
  ["mi_enrolment", "参保登记", "Medical insurance enrolment", 1, [ID_CARD, M("hukou", "户口簿或居住证", "Household register or residence permit")]],
  ["mi_transfer", "医保关系转移接续", "Transfer of medical insurance", 15, [ID_CARD, M("transfer_form", "参保凭证", "Insurance certificate", ["pdf"])]],
  ["mi_remote_filing", "异地就医备案", "Filing for treatment in another city", 1, [ID_CARD, MED_CARD]],
  ["mi_chronic_disease", "门诊慢特病申请", "Outpatient chronic and special disease application", 10, [ID_CARD, HOSPITAL]],
  ["mi_card_apply", "社会保障卡申领", "Social security card application", 7, [ID_CARD, M("photo", "证件照", "ID photo", ["jpeg", "png"])]],
  ["mi_card_replace", "社会保障卡补换", "Social security card replacement", 7, [ID_CARD]],
  ["mi_card_unlock", "社保卡密码重置与解锁", "Card PIN reset and unlock", 1, [ID_CARD, MED_CARD]],
  ["mi_info_change", "参保信息变更", "Change of insured person's details", 1, [ID_CARD]],
  ["mi_payment_record", "医保缴费凭证打印", "Contribution record print-out", 1, [ID_CARD]],
  ["mi_reimbursement", "零星医疗费用报销", "Reimbursement of out-of-network medical bills", 20, [ID_CARD, MED_CARD, INVOICE, HOSPITAL]],
  ["mi_birth_allowance", "生育津贴申领", "Maternity allowance", 15, [ID_CARD, M("birth_cert", "出生医学证明", "Birth certificate"), HOSPITAL]],
  ["mi_newborn_enrol", "新生儿参保", "Newborn enrolment", 1, [M("birth_cert", "出生医学证明", "Birth certificate"), M("hukou", "户口簿", "Household register")]],
  ["mi_family_account", "医保个人账户家庭共济", "Sharing a personal account with family", 1, [ID_CARD, M("relation", "亲属关系证明", "Proof of family relation")]],
];
export const MEDICAL_MATTER_IDS = MEDICAL.map((m) => m[0]);

const JOINT = {
  id: "joint_parcel_three_certs",
  name_zh: "三证联办（选址意见、规划条件、用地规划许可）",
  name_en: "Joint approval of three certificates for a parcel",
  kind: "application",
  departments: ["natural_resources", "housing", "environment"],
  sla_accept_minutes: 60,
  sla_resolve_minutes: 480,
  group: "joint_approval",
  channels: ["online", "staff"],
  description_zh: "建设项目选址确认、规划条件和用地规划意见同一申请、三部门并联审批，当日办结。",
  description_en: "Site confirmation, planning conditions and the land-use planning opinion for one parcel, decided by three departments in parallel on the same day.",
  steps: [
    { department: "natural_resources", name_zh: "选址确认", name_en: "Site confirmation" },
    { department: "housing", name_zh: "规划条件", name_en: "Planning conditions" },
    { department: "environment", name_zh: "用地规划意见", name_en: "Land-use planning opinion" },
  ],
  form: [F_COMPANY, F_CONTACT, T("parcel", "地块编号", "Parcel number", "text", true, { max: 40 }), T("location", "地块位置", "Parcel location", "location", true)],
  materials: [
    M("application_form", "三证联办申请表", "Joint application form", ["pdf"]),
    LICENCE,
    M("site_plan", "项目选址红线图", "Site red-line plan", ["pdf", "jpeg", "png"]),
    M("project_approval", "项目立项批复或备案文件", "Project approval or filing", ["pdf"]),
    M("land_survey", "地形测绘图", "Topographic survey", ["pdf"], false),
  ],
};

// Public matters: their requests from public channels are listed by Open311
// GET with the reporter's description (problems in shared places, never a
// company's own filings).
const PUBLIC = new Set(["park_bike_parking", "park_street_light", "park_dust_complaint", "park_suggestion"]);

const mins = (days) => days * 24 * 60;
export function catalogMatters() {
  const out = PARK.map(([id, zh, en, dep, days, materials, form]) => {
    const m = { id, name_zh: zh, name_en: en, kind: form ? (/报修|投诉|故障|隐患|问题|建议/.test(zh) ? "complaint" : "service") : "application",
      ...(PUBLIC.has(id) ? { public: true } : {}),
      departments: [dep], sla_accept_minutes: Math.min(240, mins(days)), sla_resolve_minutes: mins(days), group: "park_services",
      regions: ["gongshu/kejipark"], channels: form ? ["enterprise_code", "online", "open311"] : ["enterprise_code", "online"],
      description_zh: `区科技工业区移动服务事项：${zh}。`, description_en: `Mobile service item of the District Science & Industry Park: ${en}.` };
    if (form) m.form = form;
    m.materials = materials;
    return m;
  });
  for (const [id, zh, en, days, materials] of MEDICAL)
    out.push({ id, name_zh: zh, name_en: en, kind: "service", departments: [MI], sla_accept_minutes: Math.min(240, mins(days)), sla_resolve_minutes: mins(days),
      group: "medical_insurance", channels: ["bank_counter", "online"],
      description_zh: `医银合作高频事项，可在工商银行、杭州银行、联合银行、兴业银行合作网点办理：${zh}。`,
      description_en: `High-frequency medical-insurance matter handled at partner outlets of ICBC, Bank of Hangzhou, United Bank and Industrial Bank: ${en}.`,
      materials });
  out.push(JOINT);
  return out;
}

export const BANKS = [
  { id: "icbc", name_zh: "中国工商银行", name_en: "ICBC", short: "工行" },
  { id: "hzbank", name_zh: "杭州银行", name_en: "Bank of Hangzhou", short: "杭州银行" },
  { id: "ubank", name_zh: "浙江杭州联合农村商业银行", name_en: "United Bank", short: "联合银行" },
  { id: "cib", name_zh: "兴业银行", name_en: "Industrial Bank", short: "兴业银行" },
];
