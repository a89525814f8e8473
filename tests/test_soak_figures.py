"""The soak's flood figures from phases built by hand: a rate is counted over the
window its own load group drove, so the error tarpit holding the flood's last
answers past the deadline does not read as a slower mix."""
from __future__ import annotations

from juesuan.bench.soak import FloodRow, Phase


def phase(mix: int, flood: int, seconds: float, mix_drove: float, flood_drove: float | None,
          server_cpu: float) -> Phase:
    samples = [("home", 200, 0.01)] * mix + [("404 route", 404, 0.5)] * flood
    groups = [mix_drove] + ([flood_drove] if flood_drove is not None else [])
    return Phase("p", seconds, samples, server_cpu, [0.1] * len(groups), groups)


def test_a_flood_held_past_the_deadline_is_not_a_slower_mix():
    alone = phase(500, 0, 5.0, 5.0, None, server_cpu=0.5)
    # the mix did as much in its 5 s beside the flood; the tarpit kept the phase open 3.7 s more
    beside = phase(500, 40, 8.7, 5.0, 8.7, server_cpu=0.58)
    row = FloodRow(32, [alone] * 3, [beside] * 3, {"home"})
    assert row.mix_rps == row.mix_rps_beside == 100.0
    assert row.drop == 0.0
    assert abs(row.flood_rps - 40 / 8.7) < 1e-9


def test_the_drop_and_the_server_side_share_when_the_flood_takes_the_server():
    alone = phase(500, 0, 5.0, 5.0, None, server_cpu=0.5)  # 1 ms of server CPU a mix request
    beside = phase(400, 100, 5.0, 5.0, 5.0, server_cpu=0.9)  # the mix lost a fifth; 0.5 s went elsewhere
    row = FloodRow(8, [alone], [beside], {"home"})
    assert abs(row.drop - 0.2) < 1e-9
    assert abs(row.server_side_drop - (0.9 - 0.4) / 5.0) < 1e-9  # a tenth of the server's one core
