"""Recommendation suggestions: ranking, matched words, Russian and Belarusian, bears-on-none."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from tests.conftest import MINI_RECOMMENDATIONS
from tracker.domain.model import EvidenceItem, Node, RecommendationsFile
from tracker.ingest.extract import Article, extract_file
from tracker.ingest.suggest import suggest

FIXTURES = Path(__file__).parent / "fixtures"

NODES = [
    Node(id="service", kind="section", title="Resource support"),
    Node(
        id="consular",
        parent="service",
        kind="recommendation",
        title="Consular assistance to citizens abroad",
        text="Embassies and consulates should help citizens abroad: issue and renew "
        "passports, protect Belarusians in trouble, serve the diaspora.",
        search_terms=[
            "consular services",
            "passports abroad",
            "консульские услуги",
            "паспорта за границей",
            "консульская дапамога",
            "пашпарты за мяжой",
        ],
    ),
    Node(
        id="rotation",
        parent="service",
        kind="recommendation",
        title="Circulation of personnel between the MFA, government and business",
        text="Professionals should rotate between the Ministry of Foreign Affairs, other "
        "government bodies, enterprises and science.",
        search_terms=["personnel rotation", "ротация кадров", "ратацыя кадраў"],
    ),
    Node(
        id="neighbours",
        parent="service",
        kind="recommendation",
        title="Nearest western neighbours: Poland, the Baltic states, Ukraine",
        text="Normalize relations with Poland, Lithuania, Latvia and Ukraine; reopen border "
        "crossings and cross-border programmes.",
        search_terms=["border crossings", "Poland", "пункты пропуска", "пункты пропуску"],
    ),
]


def test_consular_article_ranks_consular_first_with_matched_words():
    got = suggest(extract_file(FIXTURES / "dev-026.txt"), NODES, [])
    assert got[0].node_id == "consular"
    assert "passports abroad" in got[0].matched
    assert all(s.score > 0 for s in got)
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)
    assert "service" not in [s.node_id for s in got]  # sections are context, not suggestions


def test_tennis_report_bears_on_none():
    assert suggest(extract_file(FIXTURES / "dev-029.txt"), NODES, []) == []


def test_russian_and_belarusian_articles():
    ru = Article(
        title="Посольства перестали выдавать паспорта",
        text="Белорусские посольства больше не оказывают консульские услуги: "
        "паспорта за границей не выдают и не продлевают.",
    )
    be = Article(
        title="Ратацыя кадраў у МЗС",
        text="Міністр абвясціў маштабную ратацыю кадраў: паслы вернуцца ў Мінск "
        "і будуць працаваць у іншых дзяржаўных органах.",
    )
    assert suggest(ru, NODES, [])[0].node_id == "consular"
    assert suggest(be, NODES, [])[0].node_id == "rotation"


def test_top_limits_and_empty_inputs():
    article = extract_file(FIXTURES / "dev-026.txt")
    assert len(suggest(article, NODES, [], top=1)) == 1
    assert suggest(article, [], []) == []
    assert suggest(article, NODES, [], top=0) == []


def test_assessed_evidence_votes_for_its_recommendations():
    # An article whose wording alone slightly favours "neighbours"; a near-identical past
    # article was assessed against "rotation": its vote must show and lift "rotation".
    article = Article(
        title="Poland and the ministry",
        text="Ryzhenkov met Poland's envoy; the Foreign Affairs ministry plans "
        "border crossings talks and a rotation of staff in Warsaw and Vilnius.",
    )
    past = EvidenceItem.model_validate(
        {
            "id": "2024-11-04-past",
            "title": "Ryzhenkov plans staff changes in Warsaw and Vilnius",
            "date": dt.date(2024, 11, 4),
            "source": {
                "publisher": "P",
                "reliability": "B",
                "credibility": 2,
                "quote": "Ryzhenkov met Poland's envoy in Warsaw and Vilnius; the Foreign "
                "Affairs ministry plans a rotation of staff.",
            },
            "assessment": [
                {"recommendation": "rotation", "impact": 1, "confidence": "high", "rationale": "r"}
            ],
        }
    )
    without = {s.node_id: s for s in suggest(article, NODES, [])}
    with_vote = {s.node_id: s for s in suggest(article, NODES, [past])}
    assert with_vote["rotation"].score > without["rotation"].score
    assert any("2024-11-04-past" in m for m in with_vote["rotation"].matched)


def test_mini_fixture_tree_works():
    nodes = RecommendationsFile.model_validate(tomllib.loads(MINI_RECOMMENDATIONS)).nodes
    article = Article(
        title="Политзаключенные освобождены",
        text="В Беларуси освобождены 52 политзаключенных; это может открыть диалог с Западом.",
    )
    got = suggest(article, nodes, [])
    assert got and got[0].node_id == "reboot"
    assert "политзаключенные" in got[0].matched


REPO = Path(__file__).resolve().parents[2]
ARTICLES = Path(__file__).parent / "articles"
PAPER = RecommendationsFile.model_validate(
    tomllib.loads((REPO / "recommendations.toml").read_text("utf-8"))
)


def paper_suggest(name: str, **kwargs):
    return suggest(
        extract_file(ARTICLES / name),
        PAPER.nodes,
        subject_terms=PAPER.paper.subject_terms,
        **kwargs,
    )


def test_an_article_off_the_papers_subject_bears_on_none_whatever_its_keywords():
    for name in (
        "101-uzbekistan-wto-working-party-en.txt",
        "102-kazakhstan-new-ambassadors-ru.txt",
        "103-latvia-visa-rules-russians-en.txt",
        "111-dinamo-minsk-football-ru.txt",
    ):
        assert paper_suggest(name) == [], name
    wto = Article(title="Belarus and the WTO", text="Belarus resumed WTO accession talks.")
    no_subject = suggest(wto, PAPER.nodes)  # the same paper without its subject terms
    assert no_subject and no_subject[0].node_id in ("open-belarus-wto", "balance-west-wto-ifi")


def test_subject_words_are_not_policy_vocabulary():
    article = Article(
        title="Беларусь и Минск",
        text="Беларусь. Минск. Лукашенко приехал в Беларусь, в Минск, Беларусь.",
    )
    assert suggest(article, PAPER.nodes, subject_terms=PAPER.paper.subject_terms) == []


def test_appointments_deployments_and_borders_find_their_recommendations():
    top = {
        name: [s.node_id for s in paper_suggest(name)[:3]]
        for name in (
            "108-new-ambassador-to-china-ru.txt",
            "109-oreshnik-deployed-en.txt",
            "106-lithuania-closes-border-be.txt",
            "112-visa-free-extended-en.txt",
        )
    }
    assert "diplomatic-service-women-transparency" in top["108-new-ambassador-to-china-ru.txt"]
    assert "open-belarus-regional-security" in top["109-oreshnik-deployed-en.txt"]
    assert "balance-western-neighbours" in top["106-lithuania-closes-border-be.txt"]
    assert "open-belarus-visa-free" in top["112-visa-free-extended-en.txt"]


def test_a_sub_measure_names_its_parent():
    got = paper_suggest("112-visa-free-extended-en.txt")
    visa = next(s for s in got if s.node_id == "open-belarus-visa-free")
    assert visa.parent == "open-belarus-foreigners"
    recommendation = next(n for n in PAPER.nodes if n.kind == "recommendation")
    assert all(s.parent is None for s in got if s.node_id == recommendation.id)


def test_after_and_ambassadors_are_different_words():
    from tracker.ingest.tokens import lemma

    assert lemma("после") != lemma("послов") == lemma("посол") == lemma("посла")
    assert lemma("санкцый") == lemma("санкцыі") == lemma("санкцыя")


def test_assessed_evidence_moves_a_recommendation_up():
    from tracker.ingest import SimilarityIndex
    from tracker.ingest.suggest import Subject

    a = extract_file(ARTICLES / "104-us-lifts-belavia-sanctions-en.txt")
    b = extract_file(ARTICLES / "105-us-lifts-belavia-sanctions-ru.txt")
    past = EvidenceItem.model_validate(
        {
            "id": "past",
            "title": a.title,
            "date": a.published,
            "source": {"publisher": "P", "reliability": "B", "credibility": 2, "quote": "q"},
            "assessment": [
                {
                    "recommendation": "balance-neighbours-eap-cross-border",
                    "impact": 1,
                    "confidence": "low",
                    "rationale": "r",
                }
            ],
        }
    )
    background = Subject.of(PAPER.paper.subject_terms).background()
    index = SimilarityIndex.build([past], {"past": a.text}, background)
    kwargs = {"subject_terms": PAPER.paper.subject_terms, "top": 55}
    without = {s.node_id: s.score for s in suggest(b, PAPER.nodes, **kwargs)}
    taught = {s.node_id: s for s in suggest(b, PAPER.nodes, index=index, **kwargs)}
    node = "balance-neighbours-eap-cross-border"
    assert taught[node].score > without.get(node, 0.0) + 0.1
    assert any("like evidence past" in m for m in taught[node].matched)


def test_a_recommendation_that_only_lists_its_measures_gains_nothing_from_them():
    from tracker.ingest.suggest import NodeIndex

    gains = dict(zip((n.id for n in PAPER.nodes), NodeIndex.build(PAPER.nodes).gains, strict=True))
    # Its text is its measures' texts put together: their words are already its own.
    assert not gains["reform-diplomatic-service"]
    assert not gains["rebuild-training-employment"]
    # Words of its own, or a measure over sub-measures: the best child's share counts.
    assert gains["balance-west-east"] and gains["open-belarus"]
    assert gains["balance-west"] and gains["open-belarus-foreigners"]
