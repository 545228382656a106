import math
import re

from bench import bench_zego_client


def test_it_prints_a_finite_positive_ratio(capsys):
    """A tiny run of the benchmark prints `ratio: <number>`."""
    returned = bench_zego_client.main(["--n", "20"])
    match = re.search(r"^ratio: (\S+)$", capsys.readouterr().out, re.MULTILINE)
    assert match
    ratio = float(match.group(1))
    assert math.isfinite(ratio) and ratio > 0
    assert math.isclose(ratio, returned, abs_tol=0.006)
