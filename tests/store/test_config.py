"""tracker.toml [scoring]: defaults when absent, findings with path:line when wrong."""

from __future__ import annotations

from tracker.domain.config import ScoringConfig
from tracker.domain.problems import Code
from tracker.store.reader import read_config


def load_config(root):
    found = read_config(root)
    return found.config, found.problems


def test_absent_file_gives_documented_defaults(mini):
    config, problems = load_config(mini)
    assert problems == [] and config == ScoringConfig()
    assert (config.half_life_days, config.prior_weight, config.window_days) == (180, 1.0, 90)
    assert (config.min_weight, config.stale_days) == (0.5, 365)
    assert config.reliability.of("E") == 0.1 and config.credibility.of(4) == 0.3
    assert config.confidence.of("moderate") == 0.7


def test_bundled_tracker_toml_equals_the_defaults(bundled):
    config, problems = load_config(bundled)
    assert problems == [] and config == ScoringConfig()


def test_values_are_read(mini):
    (mini / "tracker.toml").write_text(
        '[scoring]\nhalf_life_days = 90\n\n[scoring.credibility]\n"3" = 0.5\n', "utf-8"
    )
    config, problems = load_config(mini)
    assert problems == [] and config.half_life_days == 90 and config.credibility.of(3) == 0.5


def test_bad_values_are_findings_with_lines_and_keep_the_rest(mini):
    (mini / "tracker.toml").write_text(
        '[scoring]\nhalf_life_days = "x"\nwindow_days = 30\nhalf_lfe = 3\n'
        "[scoring.reliability]\nB = -1\n[scorng]\n",
        "utf-8",
    )
    config, problems = load_config(mini)
    rendered = sorted(p.render() for p in problems)
    assert config.window_days == 30 and config.half_life_days == 180
    assert config.reliability.B == 0.8
    assert any(
        r.startswith("tracker.toml:2: scoring.half_life_days must be a number") for r in rendered
    )
    assert any(
        r.startswith(
            "tracker.toml:4: unknown key 'scoring.half_lfe'; did you mean 'half_life_days'"
        )
        for r in rendered
    )
    assert any(r.startswith("tracker.toml:6: scoring.reliability.B") for r in rendered)
    assert any("tracker.toml:7: warning: unknown table or key 'scorng'" in r for r in rendered)
    codes = {p.code for p in problems}
    assert codes == {Code.CONFIG_VALUE, Code.CONFIG_UNKNOWN}


def test_unparsable_file_gives_defaults_and_a_finding(mini):
    (mini / "tracker.toml").write_text("[scoring\n", "utf-8")
    config, problems = load_config(mini)
    assert config == ScoringConfig() and problems[0].path == "tracker.toml" and problems[0].line
    assert problems[0].code == Code.TOML_SYNTAX


def test_a_device_or_a_pipe_as_tracker_toml_is_refused_at_once(mini):
    import os

    (mini / "tracker.toml").symlink_to("/dev/zero")
    config, problems = load_config(mini)
    assert config == ScoringConfig() and problems[0].code == Code.CANNOT_READ
    assert "a device" in problems[0].message
    (mini / "tracker.toml").unlink()
    os.mkfifo(mini / "tracker.toml")
    config, problems = load_config(mini)
    assert problems[0].code == Code.CANNOT_READ and "pipe" in problems[0].message
