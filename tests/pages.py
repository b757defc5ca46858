"""Reading rendered HTML back with the standard library's parser, as a client would; sample issues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from digest.news import FULL, Bilingual, Bullet, Issue, Signature, SourceRef, Story, StoryDigest
from digest.stories import ranking


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def find_all(self, tag: str) -> list[Element]:
        found = [self] if self.tag == tag else []
        for child in self.children:
            found += child.find_all(tag)
        return found


VOID = {"meta", "link", "br", "img", "hr", "input", "wbr"}


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        for element in self.stack:
            element.text += data


def declarations(style: str) -> dict[str, str]:
    """A style attribute's declarations, property to value, however the inliner spaces them."""
    pairs = (part.partition(":") for part in style.split(";") if part.strip())
    return {name.strip(): value.strip() for name, _, value in pairs}


def parse(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def summit_issue(date: dt.date = dt.date(2025, 8, 16)) -> Issue:
    """The seeds' story with hand-written English, two outlets and one bullet flagged for review."""
    return Issue(
        date=date,
        title="Arabic press digest",
        stories=(
            StoryDigest(
                headline=Bilingual(
                    ar="قال الرئيس الأمريكي دونالد ترامب، إنهم أحرزوا تقدما كبيرا في اجتماعهم مع الرئيس الروسي فلاديمير بوتين",
                    en="Trump says he made great progress in his meeting with Putin",
                ),
                bullets=(
                    Bullet(
                        Bilingual(
                            ar="ونشر الكرملين مقطع فيديو يظهر الرئيسين بعد انتهاء المؤتمر الصحفي المشترك في أنكوريدج بولاية ألاسكا الأمريكية.",
                            en="The Kremlin released a video of the two presidents after their joint press conference in Anchorage, Alaska.",
                        ),
                        "RT",
                    ),
                    Bullet(
                        Bilingual(
                            ar="وصف الرئيس الأمريكي دونالد ترامب لقاءه مع الرئيس الروسي فلاديمير بوتين في ألاسكا بأنه كان “مثمرا للغاية”، مؤكدا تحقيق تقدم هائل.",
                            en="Trump called his meeting with Putin in Alaska “very productive” and said tremendous progress had been made.",
                        ),
                        "RT",
                    ),
                    Bullet(
                        Bilingual(
                            ar="وعقد الاجتماع بصيغة 3+3، حيث حضر من الجانب الأمريكي ترامب، ووزير الخارجية ماركو روبيو، والمبعوث الأمريكي للشرق الأوسط ستيف ويتكوف.",
                            en="The meeting was held in a 3+3 format, with Trump, Secretary of State Marco Rubio and envoy Steve Witkoff on the American side.",
                            review="the sentence was longer than the model's input limit",
                        ),
                        "الأناضول",
                    ),
                ),
                sources=(
                    SourceRef("RT", "https://arabic.rt.com/world/1700000-summit/", date),
                    SourceRef("الأناضول", "https://www.aa.com.tr/ar/summit/3650000", date),
                ),
            ),
        ),
        signature=Signature(
            version="0.1.0",
            model="opus-mt-tc-big-ar-en",
            model_id="Helsinki-NLP/opus-mt-tc-big-ar-en",
            revision="main",
            backend="transformers",
            summariser="posrank+mmr/k=4",
        ),
    )


def flood_issue(date: dt.date = dt.date(2025, 3, 10)) -> Issue:
    """A one-outlet story from the Sfax fixtures, with hand-written English."""
    return Issue(
        date=date,
        title="Arabic press digest",
        stories=(
            StoryDigest(
                headline=Bilingual(
                    ar="خمسة قتلى في فيضانات صفاقس التونسية",
                    en="Five dead in floods in Tunisia's Sfax",
                ),
                bullets=(
                    Bullet(
                        Bilingual(
                            ar="لقي خمسة أشخاص حتفهم جراء فيضانات اجتاحت مدينة صفاقس في جنوب تونس إثر أمطار غزيرة هطلت طوال ليلة الأحد.",
                            en="Five people died in floods that swept the city of Sfax in southern Tunisia after heavy rain fell all Sunday night.",
                        ),
                        "الجزيرة",
                    ),
                    Bullet(
                        Bilingual(
                            ar="وقالت الحماية المدنية إن فرقها أنقذت نحو أربعين شخصا حاصرتهم المياه في منازلهم وسياراتهم.",
                            en="Civil protection said its teams rescued about forty people trapped by the water in their homes and cars.",
                        ),
                        "الجزيرة",
                    ),
                ),
                sources=(SourceRef("الجزيرة", None, date),),
            ),
        ),
        signature=summit_issue().signature,
    )


def arabic_only(issue: Issue) -> Issue:
    """The issue as a build without translation makes it: every line Arabic only."""
    from dataclasses import replace

    def plain(line: Bilingual) -> Bilingual:
        return Bilingual(ar=line.ar, en=None)

    return replace(
        issue,
        stories=tuple(
            replace(
                story,
                headline=plain(story.headline),
                bullets=tuple(replace(b, line=plain(b.line)) for b in story.bullets),
            )
            for story in issue.stories
        ),
        signature=replace(issue.signature, model=None, model_id=None, revision=None),
    )


def ten_story_issue(date: dt.date = dt.date(2025, 8, 17)) -> Issue:
    """A full day: ten two-outlet stories of four long bullets each, one of them flagged."""
    from dataclasses import replace

    summit, flood = summit_issue(date).stories[0], flood_issue(date).stories[0]
    bullets = (*summit.bullets, flood.bullets[0])
    stories = tuple(
        replace(
            summit if number % 2 else flood,
            headline=Bilingual(
                ar=f"{(summit if number % 2 else flood).headline.ar} ({number})",
                en=f"{(summit if number % 2 else flood).headline.en} ({number})",
            ),
            bullets=bullets,
            sources=summit.sources,
        )
        for number in range(1, 11)
    )
    return replace(summit_issue(date), stories=stories)


def cut_issue(count: int) -> Issue:
    """A translated issue of ``count`` stories placed as the default cut places them, each told
    by twelve reports of six outlets, with the long percent-encoded Arabic URLs outlets have."""
    template = ten_story_issue(dt.date(2018, 3, 13))
    places = [place for _, place in ranking.rank([Story(())] * count)]
    slug = "%D8%A7%D9%86%D9%81%D8%AC%D8%A7%D8%B1-%D9%85%D9%88%D9%83%D8%A8" * 6
    stories = []
    for number, place in enumerate(places):
        model = template.stories[number % 10]
        stories.append(
            replace(
                model,
                headline=Bilingual(model.headline.ar + f" {number}", model.headline.en),
                bullets=model.bullets if place == FULL else (),
                sources=tuple(
                    SourceRef(
                        f"Outlet {n % 6}", f"https://news{n}.example.org/{slug}/{number}", None
                    )
                    for n in range(12)
                ),
                id="",
                section=("middle-east", "world", "economy", "sport")[number % 4],
                place=place,
            )
        )
    return replace(template, stories=tuple(stories))
