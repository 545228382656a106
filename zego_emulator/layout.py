"""Tile geometry of ZEGO's mixed-stream layouts (spec §4.3), in canvas pixels.

ZEGO documents the template layouts only as pictures, so the exact geometry here is our
approximation, chosen to follow the words of the spec:

* grid (2): ``cols = ceil(sqrt(n))``, ``rows = ceil(n / cols)`` (so it grows a column first:
  2 → 2×1, 3–4 → 2×2, 5–6 → 3×2, 7–9 → 3×3, … 21–25 → 5×5); equal tiles; an incomplete last row
  is centred.
* horizontal (3): small tiles ``W/8 × H/10`` along the top edge, left → right, one row for up to 8
  small tiles, two rows for up to 16; the 17th–24th go down the right edge below those rows. The
  big tile fills the rest of the canvas below (and left of) the small tiles.
* vertical (4): the transpose — small tiles ``W/10 × H/8`` down the right edge (the first column
  against the edge, the second to its left), overflow along the bottom edge left → right; the
  big tile fills the rest on the left.
* floating (5): the big tile covers the canvas (layer 0); small tiles ``W/6 × H/6`` float on top
  (layer 1) along the bottom, from the bottom-right corner leftwards, six per row, further rows
  stacked upwards.

For 3/4/5 the big tile shows ``max_resolution_stream_id`` when given, else the earliest-joined
stream; when the chosen stream is not present the big tile stays empty (``stream_id=None``, the
canvas background shows) and every present stream gets a small tile. At most 25 tiles are
returned; later streams are dropped. Tile edges are snapped to even pixels because the output is
4:2:0 video, where chroma covers 2×2 pixel blocks.
"""

from __future__ import annotations

import math
from dataclasses import replace

from zego_emulator.media import Tile

MAX_TILES = 25
MIX_CUSTOM, MIX_GRID, MIX_HORIZONTAL, MIX_VERTICAL, MIX_FLOATING = 1, 2, 3, 4, 5
SMALL_PER_LINE = 8  # horizontal/vertical: tiles per row/column of small tiles (spec: "2 rows × 8")
FLOATING_PER_ROW = 6


def template_tiles(
    mix_mode: int,
    stream_ids_present: list[str],
    width: int,
    height: int,
    *,
    fill_mode: int = 1,
    max_resolution_stream_id: str | None = None,
    tiles: list[Tile] | None = None,
) -> list[Tile]:
    """Tiles for `mix_mode` given the present streams in join order.

    Custom mode (1) returns `tiles` with each tile lacking a StreamId given the next present
    stream not placed explicitly elsewhere (spec §4.3, "filled in join order").
    """
    if mix_mode == MIX_CUSTOM:
        return assign_custom_tiles(tiles or [], stream_ids_present)
    if mix_mode == MIX_GRID:
        return grid_tiles(stream_ids_present[:MAX_TILES], width, height, fill_mode)
    big, small = split_big_and_small(stream_ids_present, max_resolution_stream_id)
    if big is None and not small:
        return []
    builders = {
        MIX_HORIZONTAL: horizontal_tiles,
        MIX_VERTICAL: vertical_tiles,
        MIX_FLOATING: floating_tiles,
    }
    if mix_mode not in builders:
        raise ValueError(f"unknown MixMode {mix_mode}")
    return builders[mix_mode](big, small, width, height, fill_mode)


def assign_custom_tiles(tiles: list[Tile], stream_ids_present: list[str]) -> list[Tile]:
    placed = {tile.stream_id for tile in tiles if tile.stream_id}
    free_streams = iter(sid for sid in stream_ids_present if sid not in placed)
    assigned = []
    for tile in tiles[:MAX_TILES]:
        if tile.stream_id is None and tile.view_type == 1:
            tile = replace(tile, stream_id=next(free_streams, None))
        assigned.append(tile)
    return assigned


def split_big_and_small(
    stream_ids: list[str], max_resolution_stream_id: str | None
) -> tuple[str | None, list[str]]:
    """The big-tile stream (None when the chosen one is absent) and the small-tile streams."""
    if max_resolution_stream_id is not None:
        big = max_resolution_stream_id if max_resolution_stream_id in stream_ids else None
    else:
        big = stream_ids[0] if stream_ids else None
    small = [sid for sid in stream_ids if sid != big]
    return big, small[: MAX_TILES - 1]


def grid_shape(count: int) -> tuple[int, int]:
    """(columns, rows) of the grid for `count` tiles."""
    if count <= 0:
        return 0, 0
    cols = math.ceil(math.sqrt(count))
    return cols, math.ceil(count / cols)


def grid_tiles(stream_ids: list[str], width: int, height: int, fill_mode: int) -> list[Tile]:
    cols, rows = grid_shape(len(stream_ids))
    tiles = []
    for position, stream_id in enumerate(stream_ids):
        row, col = divmod(position, cols)
        in_this_row = min(cols, len(stream_ids) - row * cols)
        shift = (cols - in_this_row) / 2  # centres an incomplete last row
        tiles.append(
            _tile(
                (col + shift) * width / cols,
                row * height / rows,
                (col + shift + 1) * width / cols,
                (row + 1) * height / rows,
                stream_id=stream_id,
                fill_mode=fill_mode,
            )
        )
    return tiles


def horizontal_tiles(
    big: str | None, small: list[str], width: int, height: int, fill_mode: int
) -> list[Tile]:
    small_w, small_h = width / SMALL_PER_LINE, height / 10
    top_count = min(len(small), 2 * SMALL_PER_LINE)
    rows = math.ceil(top_count / SMALL_PER_LINE)
    tiles = []
    for position, stream_id in enumerate(small):
        if position < top_count:
            row, col = divmod(position, SMALL_PER_LINE)
            x, y = col * small_w, row * small_h
        else:
            x, y = width - small_w, (rows + position - top_count) * small_h
        tiles.append(
            _tile(x, y, x + small_w, y + small_h, stream_id=stream_id, fill_mode=fill_mode)
        )
    right_edge = width - small_w if len(small) > top_count else width
    tiles.insert(
        0, _tile(0, rows * small_h, right_edge, height, stream_id=big, fill_mode=fill_mode)
    )
    return tiles


def vertical_tiles(
    big: str | None, small: list[str], width: int, height: int, fill_mode: int
) -> list[Tile]:
    small_w, small_h = width / 10, height / SMALL_PER_LINE
    side_count = min(len(small), 2 * SMALL_PER_LINE)
    cols = math.ceil(side_count / SMALL_PER_LINE)
    tiles = []
    for position, stream_id in enumerate(small):
        if position < side_count:
            col, row = divmod(position, SMALL_PER_LINE)
            x, y = width - (col + 1) * small_w, row * small_h
        else:
            x, y = (position - side_count) * small_w, height - small_h
        tiles.append(
            _tile(x, y, x + small_w, y + small_h, stream_id=stream_id, fill_mode=fill_mode)
        )
    bottom_edge = height - small_h if len(small) > side_count else height
    big_right = width - cols * small_w
    tiles.insert(0, _tile(0, 0, big_right, bottom_edge, stream_id=big, fill_mode=fill_mode))
    return tiles


def floating_tiles(
    big: str | None, small: list[str], width: int, height: int, fill_mode: int
) -> list[Tile]:
    small_w, small_h = width / FLOATING_PER_ROW, height / FLOATING_PER_ROW
    tiles = [_tile(0, 0, width, height, stream_id=big, fill_mode=fill_mode)]
    for position, stream_id in enumerate(small):
        row, col = divmod(position, FLOATING_PER_ROW)
        right, bottom = width - col * small_w, height - row * small_h
        tiles.append(
            _tile(
                right - small_w,
                bottom - small_h,
                right,
                bottom,
                stream_id=stream_id,
                fill_mode=fill_mode,
                layer=1,
            )
        )
    return tiles


def _tile(left, top, right, bottom, *, stream_id, fill_mode, layer=0) -> Tile:
    return Tile(
        left=_even(left),
        top=_even(top),
        right=_even(right),
        bottom=_even(bottom),
        layer=layer,
        stream_id=stream_id,
        fill_mode=fill_mode,
    )


def _even(value: float) -> int:
    return 2 * round(value / 2)
