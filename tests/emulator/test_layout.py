"""Template layout geometry (spec §4.3) and custom-tile filling."""

from __future__ import annotations

import pytest

from zego_emulator.layout import MAX_TILES, grid_shape, template_tiles
from zego_emulator.media import Tile

W, H = 1280, 720


def ids(count: int) -> list[str]:
    return [f"s{i}" for i in range(count)]


def overlaps(a: Tile, b: Tile) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


def inside_canvas(tile: Tile, width: int = W, height: int = H) -> bool:
    return 0 <= tile.left < tile.right <= width and 0 <= tile.top < tile.bottom <= height


@pytest.mark.parametrize("count", range(1, 26))
def test_grid_gives_every_stream_an_equal_tile_without_overlap(count):
    """Grid: one tile per stream in join order, equal sizes, inside the canvas, no overlaps."""
    tiles = template_tiles(2, ids(count), W, H)
    assert [tile.stream_id for tile in tiles] == ids(count)
    assert all(inside_canvas(tile) for tile in tiles)
    sizes = {(tile.right - tile.left, tile.bottom - tile.top) for tile in tiles}
    widths, heights = {w for w, _ in sizes}, {h for _, h in sizes}
    assert max(widths) - min(widths) <= 2 and max(heights) - min(heights) <= 2
    assert not any(overlaps(a, b) for i, a in enumerate(tiles) for b in tiles[i + 1 :])


@pytest.mark.parametrize(
    ("count", "shape"),
    [(1, (1, 1)), (2, (2, 1)), (3, (2, 2)), (4, (2, 2)), (6, (3, 2)), (9, (3, 3)), (25, (5, 5))],
)
def test_grid_grows_columns_first(count, shape):
    """Grid shapes follow ZEGO's pictures: 2 side by side, 4 as 2×2, 6 as 3×2, 9 as 3×3."""
    assert grid_shape(count) == shape


def test_grid_fills_the_canvas_for_a_full_grid():
    """Four streams tile the whole 1280×720 canvas in 640×360 quarters."""
    tiles = template_tiles(2, ids(4), W, H)
    assert [(t.left, t.top, t.right, t.bottom) for t in tiles] == [
        (0, 0, 640, 360),
        (640, 0, 1280, 360),
        (0, 360, 640, 720),
        (640, 360, 1280, 720),
    ]


def test_grid_centres_an_incomplete_last_row():
    """Three streams: two on top, the third centred underneath."""
    third = template_tiles(2, ids(3), W, H)[2]
    assert (third.left, third.right) == (320, 960)


def test_every_mode_caps_at_25_tiles():
    """More than 25 streams: the later ones get no tile."""
    for mode in (2, 3, 4, 5):
        tiles = template_tiles(mode, ids(30), W, H)
        assert len(tiles) == MAX_TILES
        assert "s25" not in {tile.stream_id for tile in tiles}


def test_no_streams_no_tiles():
    """An empty room has no tiles in any template mode."""
    assert all(template_tiles(mode, [], W, H) == [] for mode in (2, 3, 4, 5))


def test_horizontal_big_tile_below_small_tiles_along_the_top():
    """Horizontal: first stream big at the bottom; the others left→right along the top edge."""
    big, *small = template_tiles(3, ids(4), W, H)
    assert big.stream_id == "s0"
    assert (big.left, big.right, big.bottom) == (0, W, H)
    assert all(tile.top == 0 for tile in small)
    assert [tile.left for tile in small] == sorted(tile.left for tile in small)
    assert big.top == small[0].bottom


def test_horizontal_second_row_then_right_edge():
    """Horizontal: 9–16 small tiles use two rows; beyond 16 they go down the right edge."""
    big, *small = template_tiles(3, ids(20), W, H)
    rows = sorted({tile.top for tile in small[:16]})
    assert len(rows) == 2
    right_edge = small[16:]
    assert all(tile.right == W for tile in right_edge)
    assert all(tile.top >= small[15].bottom for tile in right_edge)
    assert big.right <= right_edge[0].left
    assert not any(overlaps(big, tile) for tile in small)


def test_vertical_big_tile_left_small_tiles_down_the_right_edge():
    """Vertical: big tile on the left; small tiles down the right edge, then a second column,
    then along the bottom."""
    big, *small = template_tiles(4, ids(20), W, H)
    assert (big.left, big.top) == (0, 0)
    assert all(tile.right == W for tile in small[:8])
    assert [tile.top for tile in small[:8]] == sorted(tile.top for tile in small[:8])
    assert all(tile.right == small[0].left for tile in small[8:16])
    assert all(tile.bottom == H for tile in small[16:])
    assert not any(overlaps(big, tile) for tile in small)


def test_floating_small_tiles_on_top_from_the_bottom_right():
    """Floating: big tile covers the canvas; small tiles float above it from the bottom-right
    corner leftwards."""
    big, first, second, *_ = template_tiles(5, ids(8), W, H)
    assert (big.left, big.top, big.right, big.bottom, big.layer) == (0, 0, W, H, 0)
    assert (first.right, first.bottom, first.layer) == (W, H, 1)
    assert second.right == first.left and second.bottom == H


def test_max_resolution_stream_takes_the_big_tile():
    """MixMaxResolutionStreamId picks the big tile's stream in modes 3/4/5."""
    for mode in (3, 4, 5):
        tiles = template_tiles(mode, ids(3), W, H, max_resolution_stream_id="s2")
        assert tiles[0].stream_id == "s2"
        assert [tile.stream_id for tile in tiles[1:]] == ["s0", "s1"]


def test_absent_max_resolution_stream_leaves_the_big_tile_empty():
    """If the chosen big-tile stream hasn't joined, the big tile shows background colour."""
    tiles = template_tiles(3, ids(2), W, H, max_resolution_stream_id="late")
    assert tiles[0].stream_id is None
    assert [tile.stream_id for tile in tiles[1:]] == ["s0", "s1"]


def test_fill_mode_is_passed_to_template_tiles():
    """MixConfig.FillMode governs every template tile."""
    assert {tile.fill_mode for tile in template_tiles(2, ids(3), W, H, fill_mode=2)} == {2}


def test_custom_tiles_without_stream_are_filled_in_join_order():
    """Custom: explicit tiles keep their stream; the others take the remaining streams."""
    tiles = [
        Tile(0, 0, 540, 720, 0, stream_id="s1"),
        Tile(540, 0, 1080, 360, 0),
        Tile(540, 360, 1080, 720, 0),
    ]
    assigned = template_tiles(1, ids(3), W, H, tiles=tiles)
    assert [tile.stream_id for tile in assigned] == ["s1", "s0", "s2"]


def test_custom_single_tile_shows_only_the_first_stream():
    """A one-tile custom layout records only the first stream."""
    assigned = template_tiles(1, ids(3), W, H, tiles=[Tile(0, 0, W, H, 0)])
    assert [tile.stream_id for tile in assigned] == ["s0"]


def test_tile_edges_are_even():
    """4:2:0 video needs even tile edges, so odd splits are snapped."""
    for tile in template_tiles(2, ids(7), 1278, 718):
        assert all(value % 2 == 0 for value in (tile.left, tile.top, tile.right, tile.bottom))
