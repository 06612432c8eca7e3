"""The legend and the method, in a reader's words, with the project's own parameters.

What the page says here is what `tracker.domain.scoring` computes: two measures (standing and
movement), lasting and transient evidence, weights w = R × C × K, one event counted once, the
window, the rollup and the statuses. The numbers come from the project's `tracker.toml`, so a
page made with other parameters says so.
"""

from __future__ import annotations

from tracker.domain.config import ScoringConfig
from tracker.domain.model import CREDIBILITY_MEANING, IMPACT_MEANING, RELIABILITY_MEANING
from tracker.domain.scoring.words import STATUS_SYMBOL, Legend
from tracker.reports.page import esc_line, pill

_STATUS_KEY = {
    "achieved": "achieved",
    "progressing": "progressing",
    "contested": "contested",
    "no clear movement": "stalled",
    "regressing": "regressing",
    "no evidence": "no-evidence",
}


def config_of(meta) -> ScoringConfig:
    """The parameters a report was made with (its meta), or the defaults."""
    try:
        return ScoringConfig.model_validate(meta.parameters or {})
    except Exception:  # a report still renders; the figures say which parameters they used
        return ScoringConfig()


def legend_html(legend: Legend | None, config: ScoringConfig) -> str:
    if legend is None:
        return ""
    statuses = "".join(
        f"<dt>{pill(_STATUS_KEY.get(label, 'no-evidence'), label)}</dt><dd>{esc_line(meaning)}</dd>"
        for label, meaning in legend.statuses
    )
    bands = "".join(
        f"<tr><td class='num'>{esc_line(span.replace('-', '−'))}</td>"
        f"<td>{esc_line(words)}</td></tr>"
        for span, words in legend.bands
    )
    arrows = "".join(
        f"<dt><span class='mv {cls}'>{a}</span></dt><dd>{esc_line(meaning)}</dd>"
        for (a, meaning), cls in zip(legend.arrows, ("up", "down", "flat"), strict=False)
    )
    flags = "".join(
        f"<dt><span class='flag'>{esc_line(name)}</span></dt><dd>{esc_line(meaning)}</dd>"
        for name, meaning in legend.flags
    )
    return (
        '<div class="legend">'
        f"<div><h3>Status</h3><dl>{statuses}</dl></div>"
        "<div><h3>Standing</h3>"
        f"<p class='muted'>{esc_line(legend.scale.removeprefix('standing: '))}.</p>"
        f"<table class='plain'><tbody>{bands}</tbody></table></div>"
        "<div><h3>Movement</h3>"
        f"<p class='muted'>{esc_line(legend.movement.removeprefix('movement: '))}.</p>"
        f"<dl>{arrows}</dl>"
        f"<h3>Flags</h3><dl>{flags}</dl>"
        "<h3>Evidence marks on the charts</h3><dl>"
        "<dt><span class='up'>▲</span> <span class='down'>▼</span></dt>"
        "<dd>an item that counts, pushing toward (▲) or away (▼); hover for its title</dd>"
        "</dl></div>"
        "</div>"
    )


def _weights(heading: str, rows: list[tuple[str, str, str]]) -> str:
    """A table of weights: grade, what it means (if anything), weight."""
    cells = "".join(
        f"<tr><td>{esc_line(k)}</td>"
        + (f"<td>{esc_line(meaning)}</td>" if meaning else "")
        + f"<td class='num'>{esc_line(v)}</td></tr>"
        for k, meaning, v in rows
    )
    head = "".join(f"<th>{h}</th>" for h in heading.split("|"))
    return (
        f'<table class="plain"><thead><tr>{head}<th class="num">weight</th></tr></thead>'
        f"<tbody>{cells}</tbody></table>"
    )


def method_html(config: ScoringConfig) -> str:
    """How the figures are made, for a reader who wants to check them."""
    c = config
    rel = _weights(
        "R|the source is",
        [(g, RELIABILITY_MEANING[g], f"{c.reliability.of(g):g}") for g in "ABCDEF"],
    )
    cred = _weights(
        "C|the claim is",
        [(str(g), CREDIBILITY_MEANING[g], f"{c.credibility.of(g):g}") for g in range(1, 7)],
    )
    conf = _weights(
        "K: the analyst's confidence",
        [(k, "", f"{c.confidence.of(k):g}") for k in ("high", "moderate", "low")],
    )
    impacts = "; ".join(f"{k} {v}" for k, v in IMPACT_MEANING.items() if k)
    years = c.horizon_days / 365.25
    return f"""<div class="method">
<h3>Two measures</h3>
<p><strong>Standing</strong> says where a recommendation stands since the paper was published,
on a scale from −5 (fully reversed) to +5 (fully achieved). <strong>Movement</strong> is the part
of the standing that evidence dated in the last {c.window_days} days brought: what the latest
quarter changed. With no evidence in that window the movement is zero, whatever the date: old
evidence fading away never reads as a trend.</p>
<h3>Evidence, and what it weighs</h3>
<p>Each piece of evidence is a dated article or event with the passage that carries it, its
source and a link. An analyst reads it against every recommendation it bears on and gives an
<em>impact</em> from −5 to +5 ({esc_line(impacts)}; 0 relevant, no movement; a minus sign for
the same steps away from the recommendation), with a confidence. How much an item weighs is</p>
<p class="formula">w = R × C × K</p>
<p>where R is how reliable the source is, C how credible the claim, and K how confident the
analyst is (the Admiralty scale intelligence analysts use for the first two):</p>
{rel}
{cred}
{conf}
<p>Where several analysts read the same item for the same recommendation, their impacts and
confidences are averaged.</p>
<h3>Lasting and transient</h3>
<p>A <strong>lasting</strong> change (a law adopted, a membership, a closure, an opening: by
default an impact of 3 or more, unless the analyst says otherwise) keeps its full weight until
later lasting evidence on the same recommendation goes the other way (a repeal, an exit, a
reopening); from then on it fades. A <strong>transient</strong> one (a statement, a visit, a
draft) fades from its date: it loses half its weight every {c.half_life_days:g} days, and after
{c.horizon_days} days (about {years:.0f} years) it no longer counts.</p>
<h3>Adding it up</h3>
<p>With s an item's impact and d how much of its weight is left (1 for a lasting change in
force), a recommendation's standing is</p>
<p class="formula">standing = Σ w·d·s ÷ (w₀ + Σ w·d·|s| ÷ 5)</p>
<p>The constant w₀ = {c.prior_weight:g} keeps thin evidence near zero: one report does not make
a trend. Each item's part is its own w·d·s over the same divisor, so the parts shown on a card
add up to its standing, and those dated in the window to its movement. A new item toward a
recommendation never lowers its standing.</p>
<h3>One event, counted once</h3>
<p>When several outlets report the same event, only the strongest report (the highest weight)
counts for each recommendation; the others are named beside it as "also reported by". A story
syndicated by ten outlets counts once.</p>
<h3>Recommendations with sub-measures, and sections</h3>
<p>A recommendation with sub-measures, and a section, stand at the importance-weighted mean of
their parts that have evidence (the node's own evidence is one more part, of importance
{c.direct_importance:g}). Parts without evidence are left out of the mean and show as
coverage.</p>
<h3>Statuses</h3>
<p>Decided in this order: <em>achieved</em> when an analyst judged it fulfilled and later
evidence against it does not outweigh that (Σ w·d·s of later evidence above
−{c.verdict_overturn:g}); <em>no clear movement</em> when a section, or a recommendation with
sub-measures, has too little evidence under it to call a direction (Σ w below
{c.min_weight:g}); <em>contested</em> when strong evidence points both ways (the smaller side
at least {c.contested_min:g} and at least {c.contested_share:.0%} of both together);
<em>progressing</em> at a standing of +{c.moving_threshold:g} or more; <em>regressing</em>
at −{c.moving_threshold:g} or less; otherwise <em>no clear movement</em>.
A movement of at least {c.trend_threshold:g} either way shows as an arrow. Evidence is
<em>stale</em> when the newest is older than {c.stale_days} days: it is flagged, never hidden.</p>
</div>"""


def legend_markdown(config: ScoringConfig) -> list[str]:
    """The briefing's "how to read this", in Markdown (plain words, no markup from data)."""
    statuses = ", ".join(f"{STATUS_SYMBOL[k]} {label}" for label, k in _STATUS_KEY.items())
    return [
        f"- **Standing** (−5 fully reversed … +5 fully achieved): where a recommendation stands "
        "since the paper, from all its evidence. Lasting changes (laws, memberships, closures) "
        "keep their weight until reversed; statements and visits fade, losing half their weight "
        f"every {config.half_life_days:g} days.",
        "- **Movement**: the part of the standing that evidence dated in the period brought.",
        "- **Weight** of an item: w = R × C × K (source reliability, credibility of the claim, "
        "the analyst's confidence). Reports of one event count once: the strongest.",
        f"- **Status**: {statuses}; progressing or regressing from a standing of "
        f"±{config.moving_threshold:g}.",
    ]
