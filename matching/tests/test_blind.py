"""The engine on the blind labeled set, against the character n-gram baseline.

The floors are the figures measured on 2026-12-01 (docs/matching.md) less a
little: a change that makes the engine worse on needs it was not tuned on
fails here, and so does one that undoes the development sets' gains. The
targets of the issue are higher; docs/matching.md says which are met.
"""

import pytest

from matching.tests import blind

pytestmark = pytest.mark.django_db


def test_the_blind_set_is_large_split_and_covers_ten_industries():
    _suppliers, _buyers, products, needs = blind.load()
    blind.split(needs)
    assert len(needs) >= 120
    assert len({n["industry"] for n in needs}) >= 10
    halves = [n["half"] for n in needs]
    assert abs(halves.count("development") - halves.count("held-out")) <= len(needs) * 0.1
    assert all(n["relevant"] for n in needs)
    assert len(products) > 300


def test_the_split_never_changes():
    first = {n["key"]: n["half"] for n in blind.split(blind.load()[3])}
    again = {n["key"]: n["half"] for n in blind.split(blind.load()[3])}
    assert first == again


def test_on_the_held_out_half_the_engine_beats_the_baseline():
    fair, needs, by_key = blind.build()
    engine = blind.rates(
        blind.evaluate(needs, blind.engine_rankings(fair, needs), by_key, "held-out")[0]
    )
    peer = blind.rates(
        blind.evaluate(needs, blind.baseline_rankings(fair, needs), by_key, "held-out")[0]
    )
    print(engine, peer)  # pytest -s
    assert engine["best right"] > peer["best right"]
    assert engine["no irrelevant in top 3"] > peer["no irrelevant in top 3"]
    assert (
        engine["irrelevant above relevant, same tier"]
        < peer["irrelevant above relevant, same tier"]
    )
    assert engine["nearer first among equals"] == 1.0
    # Floors: the figures of docs/matching.md, less a little.
    assert engine["best right"] >= 0.90
    assert engine["relevant in top 3"] >= 0.92
    assert engine["no irrelevant in top 3"] >= 0.85
    assert engine["irrelevant above relevant, same tier"] <= 0.05


@pytest.mark.parametrize(
    ("world", "best", "top3"),
    [
        ("dev_c", 0.89, 0.92),
        ("dev_d", 0.90, 0.92),
        ("dev_e", 0.93, 0.93),
        ("dev_f", 0.71, 0.74),
        ("dev_g", 0.93, 0.93),
        ("dev_h", 0.89, 0.90),
        ("dev_i", 0.86, 0.88),
        ("dev_j", 0.79, 0.80),
    ],
)
def test_on_the_later_development_sets_the_engine_holds_its_figures(world, best, top3):
    fair, needs, by_key = blind.build(dict(blind.worlds())[world])
    engine = blind.rates(blind.evaluate(needs, blind.engine_rankings(fair, needs), by_key)[0])
    peer = blind.rates(blind.evaluate(needs, blind.baseline_rankings(fair, needs), by_key)[0])
    assert engine["best right"] >= best
    assert engine["best right"] > peer["best right"]
    assert engine["relevant in top 3"] >= top3
    assert engine["no irrelevant in top 3"] > peer["no irrelevant in top 3"]
