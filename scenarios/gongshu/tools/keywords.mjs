// keywords.mjs - search words of the Gongshu matters (matters.json
// "keywords"): the pinyin initials of the Chinese name (参保登记 → cbdj),
// so a phone user can type a few Latin letters, and the everyday words of
// its group that the names lack (a medical-insurance matter answers 医保
// even when its name says 参保 or 社会保障卡). build.mjs calls addKeywords
// when it writes the catalog; run alone it rewrites matters.json in place:
//   node scenarios/gongshu/tools/keywords.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pinyin } from "pinyin-pro";

const GROUP_WORDS = {
  medical_insurance: ["医保", "医疗保险", "社保", "medical insurance"],
  park_services: ["园区", "科技工业区", "park"],
  joint_approval: ["联办", "一件事", "joint approval"],
  xintiandi: ["新天地"],
};

/** The initials of the Chinese characters of s, lower case ("参保登记" → "cbdj"); other characters are left out. */
export function initials(s) {
  return pinyin(s.replace(/[^\u4e00-\u9fff]/g, ""), { pattern: "first", toneType: "none", type: "array" }).join("").toLowerCase();
}

/** Sets "keywords" on every matter (replacing earlier ones), right after "group" or "kind". */
export function addKeywords(matters) {
  return matters.map((m) => {
    const words = [...new Set([initials(m.name_zh), ...(GROUP_WORDS[m.group] || [])].filter(Boolean))];
    const out = {};
    for (const [k, v] of Object.entries(m)) {
      if (k === "keywords") continue;
      out[k] = v;
      if (k === (m.group ? "group" : "kind")) out.keywords = words;
    }
    return out;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "matters.json");
  const matters = JSON.parse(fs.readFileSync(file, "utf8"));
  fs.writeFileSync(file, JSON.stringify(addKeywords(matters), null, 2) + "\n");
  console.log(`keywords: ${matters.length} matters in ${file}`);
}
