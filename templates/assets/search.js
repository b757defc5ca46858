// The search page: queries the site's two Pagefind bundles (pagefind/en and pagefind/ar) in the
// browser and lists the matching stories, each linking to its anchor in its issue page.
// Arabic queries are folded as digest/search.py folds the Arabic index (normalised, without a
// leading definite article); snippets show the original spelling. Nothing leaves the site.

const DIACRITICS = /[\u064b-\u065f\u0670\u06d6-\u06ed]/g;
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u0640]/g;
const VARIANTS = { "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ى": "ي", "ی": "ي", "ة": "ه", "ۃ": "ه" };
const ARTICLE_PREFIXES = ["وال", "بال", "فال", "كال", "لل", "ال"];
const SHORTEST_STEM = 3;
const WORD = /[\p{L}\p{N}]+/gu;
const ARABIC = /[\u0600-\u06ff]/;
const SHOWN = 30;

export function normalise(text) {
  let folded = text.replace(INVISIBLE, "").normalize("NFKC");
  folded = folded.replace(INVISIBLE, "").replace(DIACRITICS, "");
  folded = folded.replace(/[أإآٱٲٳىیةۃ]/g, (c) => VARIANTS[c]);
  return folded.normalize("NFKC");
}

function stripArticle(word) {
  for (const prefix of ARTICLE_PREFIXES) {
    if (word.startsWith(prefix) && [...word].length - [...prefix].length >= SHORTEST_STEM) {
      return word.slice(prefix.length);
    }
  }
  return word;
}

export function fold(text) {
  return (normalise(text).match(WORD) || []).map(stripArticle).join(" ");
}

const bundles = {};

async function bundle(language) {
  if (!bundles[language]) {
    bundles[language] = import(new URL(`../pagefind/${language}/pagefind.js`, import.meta.url).href);
  }
  return bundles[language];
}

const site = () => JSON.parse(document.getElementById("search-data").textContent);

function dateFilter(from, to) {
  if (!from && !to) return null;
  return site().dates.filter((d) => (!from || d >= from) && (!to || d <= to));
}

// The stories matching a query and filters: the best SHOWN with their data, and how many in all.
// Only the results shown load their data (one small fetch each), so a common word stays fast.
export async function find(query, { outlet = "", from = "", to = "" } = {}) {
  const filters = {};
  if (outlet) filters.outlet = outlet;
  const dates = dateFilter(from, to);
  if (dates) {
    if (!dates.length) return { hits: [], total: 0 };
    filters.date = { any: dates };
  }
  const text = query.trim();
  const searches = [];
  if (!text) {
    const arabic = await bundle("ar");
    searches.push(["ar", arabic.search(null, { filters, sort: { date: "desc" } })]);
  } else {
    const english = site().languages.includes("en");
    if (english && (/[A-Za-z0-9]/.test(text) || !ARABIC.test(text))) {
      searches.push(["en", (await bundle("en")).search(text, { filters })]);
    }
    if (ARABIC.test(text)) {
      searches.push(["ar", (await bundle("ar")).search(fold(text), { filters })]);
    }
  }
  const found = [];
  for (const [language, pending] of searches) {
    for (const result of (await pending).results) found.push({ result, language });
  }
  if (text) found.sort((a, b) => b.result.score - a.result.score);
  const top = found.slice(0, SHOWN * searches.length);
  const loaded = await Promise.all(
    top.map(async ({ result, language }) => ({
      data: await result.data(),
      score: result.score,
      language,
    })),
  );
  const merged = new Map();
  for (const hit of loaded) {
    if (!merged.has(hit.data.meta.link)) merged.set(hit.data.meta.link, hit);
  }
  const hits = [...merged.values()];
  if (text) hits.sort((a, b) => b.score - a.score || b.data.meta.date.localeCompare(a.data.meta.date));
  return { hits: hits.slice(0, SHOWN), total: found.length - (top.length - merged.size) };
}

function matches(word, terms, language) {
  const key = language === "ar" ? fold(word) : word.toLowerCase();
  return key && terms.some((term) => key.startsWith(term) || term.startsWith(key) && key.length >= 4);
}

// The line of the story that holds the most query words, with those words marked.
function snippet(hit, query) {
  const language = hit.language;
  const terms = (language === "ar" ? fold(query) : query.toLowerCase())
    .split(/\s+/)
    .filter(Boolean)
    .map((term) => (language === "ar" ? term : term.slice(0, Math.max(3, term.length - 2))));
  const lines = hit.data.meta.text.split("\n");
  const score = (line) => line.split(/\s+/).filter((w) => matches(w, terms, language)).length;
  const best = lines.reduce((a, b) => (score(b) > score(a) ? b : a), lines[0]);
  const paragraph = document.createElement("p");
  paragraph.className = "snippet";
  paragraph.lang = language;
  paragraph.dir = language === "ar" ? "rtl" : "auto";
  for (const piece of best.split(/(\s+)/)) {
    if (piece.trim() && terms.length && matches(piece.replace(/[^\p{L}\p{N}]/gu, ""), terms, language)) {
      const mark = document.createElement("mark");
      mark.textContent = piece;
      paragraph.append(mark);
    } else {
      paragraph.append(piece);
    }
  }
  return paragraph;
}

function resultItem(hit, query) {
  const meta = hit.data.meta;
  const item = document.createElement("li");
  item.className = "result";
  const link = document.createElement("a");
  link.className = "result-title";
  link.href = hit.data.meta.link;
  link.lang = meta.title_lang;
  link.dir = meta.title_lang === "ar" ? "rtl" : "auto";
  link.textContent = meta.title;
  const line = document.createElement("p");
  line.className = "meta";
  const time = document.createElement("time");
  time.dateTime = meta.date;
  time.textContent = meta.date;
  const outlets = document.createElement("span");
  outlets.dir = "auto";
  outlets.textContent = meta.outlets;
  line.append(time, " · ", outlets);
  item.append(link, line, snippet(hit, query));
  return item;
}

let latest = 0;

async function run(form) {
  const ticket = ++latest;
  const status = document.getElementById("status");
  const list = document.getElementById("results");
  const values = Object.fromEntries(new FormData(form));
  const query = values.q || "";
  if (!query.trim() && !values.outlet && !values.from && !values.to) {
    status.textContent = "";
    list.replaceChildren();
    return;
  }
  status.textContent = "Searching…";
  try {
    const { hits, total } = await find(query, values);
    if (ticket !== latest) return;
    list.replaceChildren(...hits.map((hit) => resultItem(hit, query)));
    const count = `${total} ${total === 1 ? "story" : "stories"}`;
    status.textContent = total > hits.length ? `${count}; the best ${hits.length} are shown` : count;
  } catch (error) {
    if (ticket !== latest) return;
    list.replaceChildren();
    status.textContent = `The search index could not be loaded (${error.message}); build the site again without --no-search.`;
  }
}

function start() {
  // Each bundle's WebAssembly and metadata load while the reader types; a bundle that cannot
  // be loaded is reported when a query needs it.
  for (const language of site().languages) {
    bundle(language)
      .then((pagefind) => pagefind.init())
      .catch(() => {});
  }
  const form = document.querySelector("form.search");
  const params = new URLSearchParams(location.search);
  for (const name of ["q", "outlet", "from", "to"]) {
    const field = form.elements[name];
    if (field && params.has(name)) field.value = params.get(name);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams(
      [...new FormData(form)].filter(([, value]) => value),
    );
    history.replaceState(null, "", `?${params}`);
    run(form);
  });
  run(form);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
