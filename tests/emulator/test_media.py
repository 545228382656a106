"""Rendered recordings are real media files that show what the plan says.

Pictures are checked by decoding frames and sampling pixels in the top half of a tile, which the
test picture always leaves in the stream's pure colour (`STREAM_COLOURS`).
"""

from __future__ import annotations

import io
import re

import av
import numpy as np
import pytest
from PIL import Image

from zego_emulator.media import (
    STREAM_COLOURS,
    LayoutSpec,
    MixPlan,
    RenderPlan,
    StreamTrack,
    Tile,
    file_name,
    render,
    render_snapshot,
    tone_frequency,
    utc_stamp,
)

BEGIN_MS = 1_637_753_762_084  # 2021-11-24 11:36:02.084 UTC, the spec's example
RED, GREEN, BLUE = STREAM_COLOURS[0], STREAM_COLOURS[1], STREAM_COLOURS[2]
BLACK = (0, 0, 0)


def track(index: int, intervals=((0.0, 2.0),), *, audio=True, video=True) -> StreamTrack:
    return StreamTrack(
        user_id=f"u{index}",
        stream_id=f"s{index}",
        audio=audio,
        video=video,
        index=index,
        intervals=list(intervals),
        width=320,
        height=180,
    )


def mixed_plan(tracks, layouts=None, *, duration=2.0, width=320, height=180, **options):
    mix_options = {
        key: options.pop(key)
        for key in ("background_color", "background_image", "default_tile_background_image")
        if key in options
    }
    mix = MixPlan(
        "mixout",
        width,
        height,
        fps=15,
        bitrate=300_000,
        layouts=layouts or [(0.0, LayoutSpec(mix_mode=2))],
        **mix_options,
    )
    return RenderPlan(
        task_id="YZ4joOE4IwmFAAAT",
        room_id="room1",
        record_mode=2,
        stream_type=options.pop("stream_type", 3),
        output_format=options.pop("output_format", "mp4"),
        begin_timestamp_ms=BEGIN_MS,
        duration=duration,
        tracks=list(tracks),
        mix=mix,
        **options,
    )


def single_plan(tracks, *, duration=2.0, **options):
    return RenderPlan(
        task_id="YZ4joOE4IwmFAAAT",
        room_id="room1",
        record_mode=1,
        stream_type=options.pop("stream_type", 3),
        output_format=options.pop("output_format", "mp4"),
        begin_timestamp_ms=BEGIN_MS,
        duration=duration,
        tracks=list(tracks),
        **options,
    )


def frame_at(path, t: float) -> np.ndarray:
    """The decoded RGB picture shown at media-second `t`."""
    with av.open(str(path)) as container:
        best = None
        for frame in container.decode(video=0):
            if frame.time <= t + 1e-6:
                best = frame.to_ndarray(format="rgb24")
            else:
                break
    assert best is not None
    return best


def looks_like(pixel, colour, tolerance=40) -> bool:
    return all(abs(int(p) - c) <= tolerance for p, c in zip(pixel, colour, strict=True))


def probe(path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0] if container.streams.video else None
        return {
            "duration": container.duration / av.time_base,
            "video": (video.codec_context.name, video.width, video.height) if video else None,
            "audio": [(s.codec_context.name, s.sample_rate) for s in container.streams.audio],
        }


def solid_png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, "PNG")
    return buffer.getvalue()


# --- mixed recordings ---------------------------------------------------------------------


def test_mixed_mp4_is_a_real_file_with_the_planned_size_and_duration(tmp_path):
    """A mixed mp4 has H.264 at exactly the requested size, 48 kHz AAC, and the planned
    duration within two frames; the RenderedFile describes it."""
    [rendered] = render(mixed_plan([track(0), track(1)]), tmp_path)
    info = probe(rendered.path)
    assert info["video"] == ("h264", 320, 180)
    assert info["audio"] == [("aac", 48000)]
    assert abs(info["duration"] - 2.0) <= 2 / 15
    assert rendered.file_name == "YZ4joOE4IwmFAAAT_room1_mixout_VA_20211124113602084.mp4"
    assert (rendered.user_id, rendered.stream_id, rendered.media_type) == ("mixout",) * 2 + ("VA",)
    assert (rendered.begin_timestamp_ms, rendered.duration_ms) == (BEGIN_MS, 2000)
    assert rendered.size == rendered.path.stat().st_size > 0
    assert (rendered.content_type, rendered.file_format) == ("video/mp4", "mp4")
    assert (rendered.width, rendered.height) == (320, 180)


def test_mixed_mp4_is_faststart(tmp_path):
    """The moov atom comes before mdat, so browsers can play while downloading."""
    [rendered] = render(mixed_plan([track(0)], duration=1.0), tmp_path)
    head = rendered.path.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head


def test_grid_tiles_show_each_stream_in_its_colour(tmp_path):
    """Two streams in a grid sit side by side, each tile in its stream's colour."""
    [rendered] = render(mixed_plan([track(0), track(1)]), tmp_path)
    frame = frame_at(rendered.path, 1.0)
    assert looks_like(frame[40, 80], RED)
    assert looks_like(frame[40, 240], GREEN)


def test_frame_after_a_layout_change_shows_the_new_arrangement(tmp_path):
    """At 1 s the layout switches from grid to a custom layout that swaps the two streams and
    puts a third in a corner tile on top."""
    custom = LayoutSpec(
        mix_mode=1,
        tiles=[
            Tile(0, 0, 160, 180, 0, stream_id="s1"),
            Tile(160, 0, 320, 180, 0, stream_id="s0"),
            Tile(0, 0, 60, 40, 5, stream_id="s2"),
        ],
    )
    plan = mixed_plan(
        [track(0), track(1), track(2)], layouts=[(0.0, LayoutSpec(mix_mode=2)), (1.0, custom)]
    )
    [rendered] = render(plan, tmp_path)
    before, after = frame_at(rendered.path, 0.5), frame_at(rendered.path, 1.5)
    assert looks_like(before[20, 80], RED) and looks_like(before[20, 240], GREEN)
    assert looks_like(after[60, 80], GREEN) and looks_like(after[60, 240], RED)
    assert looks_like(after[10, 20], BLUE)  # the higher layer is drawn on top


def test_moving_parts_of_a_lower_tile_stay_under_the_tile_above(tmp_path):
    """Floating layout: the big tile's sweeping bar passes under the small tile in the corner
    without ever being drawn over it."""
    plan = mixed_plan([track(0), track(1)], layouts=[(0.0, LayoutSpec(mix_mode=5))])
    [rendered] = render(plan, tmp_path)
    bar_under_small_tile = frame_at(rendered.path, 29 / 15)  # the bar spans x 290–308 here
    assert looks_like(bar_under_small_tile[152, 300], GREEN)
    assert looks_like(bar_under_small_tile[144, 298], (255, 255, 255))  # the bar, just above


def test_template_layout_follows_streams_joining_and_leaving(tmp_path):
    """Grid is recomputed from the streams present: one full-canvas tile, then two when the
    second stream joins at 1 s; when the first leaves the second shifts into its place."""
    plan = mixed_plan([track(0, [(0.0, 2.0)]), track(1, [(1.0, 3.0)])], duration=3.0)
    [rendered] = render(plan, tmp_path)
    alone, together, after = (frame_at(rendered.path, t) for t in (0.5, 1.5, 2.5))
    assert looks_like(alone[40, 80], RED) and looks_like(alone[40, 240], RED)
    assert looks_like(together[40, 80], RED) and looks_like(together[40, 240], GREEN)
    assert looks_like(after[40, 80], GREEN) and looks_like(after[40, 240], GREEN)


def test_fill_blank_keeps_a_departed_stream_in_its_tile(tmp_path):
    """With FillBlank a stream that left keeps its tile (frozen); the other doesn't shift."""
    plan = mixed_plan(
        [track(0, [(0.0, 1.0)]), track(1, [(0.0, 2.0)])], duration=2.0, fill_blank=True
    )
    [rendered] = render(plan, tmp_path)
    frame = frame_at(rendered.path, 1.5)
    assert looks_like(frame[40, 80], RED) and looks_like(frame[40, 240], GREEN)


def test_fit_mode_letterboxes_and_crop_mode_fills(tmp_path):
    """A 16:9 stream in a tall tile: fill mode 2 leaves black bars above and below it, fill
    mode 1 crops the sides and covers the tile."""
    tiles = [Tile(0, 0, 160, 180, 0, stream_id="s0", fill_mode=2)]
    tiles.append(Tile(160, 0, 320, 180, 0, stream_id="s1", fill_mode=1))
    plan = mixed_plan([track(0), track(1)], layouts=[(0.0, LayoutSpec(1, tiles=tiles))])
    [rendered] = render(plan, tmp_path)
    frame = frame_at(rendered.path, 1.0)
    assert looks_like(frame[8, 80], BLACK)
    assert looks_like(frame[60, 80], RED)
    assert looks_like(frame[8, 240], GREEN)


def test_template_fill_mode_two_letterboxes(tmp_path):
    """MixConfig.FillMode 2 letterboxes template tiles too."""
    plan = mixed_plan([track(0), track(1)], layouts=[(0.0, LayoutSpec(2, fill_mode=2))])
    [rendered] = render(plan, tmp_path)
    frame = frame_at(rendered.path, 1.0)
    assert looks_like(frame[8, 80], BLACK) and looks_like(frame[60, 80], RED)


def test_background_colour_shows_where_no_tile_is(tmp_path):
    """MixOutputBackgroundColor (0xRRGGBB00) fills the canvas outside the tiles."""
    tiles = [Tile(0, 0, 160, 180, 0, stream_id="s0")]
    plan = mixed_plan(
        [track(0)], layouts=[(0.0, LayoutSpec(1, tiles=tiles))], background_color=0x3366CC00
    )
    [rendered] = render(plan, tmp_path)
    frame = frame_at(rendered.path, 1.0)
    assert looks_like(frame[90, 250], (0x33, 0x66, 0xCC))
    assert looks_like(frame[40, 80], RED)


def test_background_image_is_stretched_over_the_canvas(tmp_path):
    """MixOutputBackgroundImage replaces the colour; an undecodable image is ignored."""
    plan = mixed_plan([], background_image=solid_png((200, 120, 0)), duration=1.0)
    [rendered] = render(plan, tmp_path)
    assert looks_like(frame_at(rendered.path, 0.5)[170, 310], (200, 120, 0))
    broken = mixed_plan([], background_image=b"not an image", background_color=0x00FF0000)
    [rendered] = render(broken, tmp_path / "broken")
    assert looks_like(frame_at(rendered.path, 0.5)[90, 160], (0, 255, 0))


def test_tile_background_image_stands_in_for_a_missing_stream(tmp_path):
    """A custom tile's BackgroundImage shows while its stream is absent."""
    tiles = [Tile(0, 0, 160, 180, 0, stream_id="s0", background_image=solid_png((255, 255, 255)))]
    plan = mixed_plan([track(0, [(1.0, 2.0)])], layouts=[(0.0, LayoutSpec(1, tiles=tiles))])
    [rendered] = render(plan, tmp_path)
    assert looks_like(frame_at(rendered.path, 0.5)[40, 80], (255, 255, 255))
    assert looks_like(frame_at(rendered.path, 1.5)[40, 80], RED)


def test_mixed_audio_has_the_tones_of_the_present_streams(tmp_path):
    """The mix's audio carries each present stream's tone."""
    [rendered] = render(mixed_plan([track(0), track(3)]), tmp_path)
    peaks = dominant_frequencies(rendered.path, count=2)
    assert sorted(peaks) == pytest.approx(sorted([tone_frequency(0), tone_frequency(3)]), abs=5)


def dominant_frequencies(path, count: int) -> list[float]:
    with av.open(str(path)) as container:
        samples = np.concatenate(
            [frame.to_ndarray()[0] for frame in container.decode(audio=0)]
        ).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples[4800:52800]))  # 1 s after the encoder's start-up
    frequencies = np.fft.rfftfreq(48000, 1 / 48000)
    peaks = []
    for _ in range(count):
        peak = int(np.argmax(spectrum))
        peaks.append(float(frequencies[peak]))
        spectrum[max(0, peak - 20) : peak + 20] = 0
    return peaks


def test_stream_type_4_splits_video_and_aac(tmp_path):
    """StreamType 4: an mp4 with only video plus a separate .aac with only audio."""
    files = render(mixed_plan([track(0)], stream_type=4), tmp_path)
    video, audio = sorted(files, key=lambda f: f.media_type, reverse=True)
    assert video.file_name.endswith("_mixout_V_20211124113602084.mp4")
    assert probe(video.path)["video"] == ("h264", 320, 180) and probe(video.path)["audio"] == []
    assert audio.file_name.endswith("_mixout_A_20211124113602084.aac")
    assert probe(audio.path)["video"] is None and probe(audio.path)["audio"] == [("aac", 48000)]
    assert (audio.content_type, audio.file_format) == ("audio/aac", "aac")


def test_stream_type_1_and_2_make_audio_only_and_video_only_files(tmp_path):
    """StreamType 1 → an audio-only mp4 ("A"); StreamType 2 → a video-only mp4 ("V")."""
    [audio] = render(mixed_plan([track(0)], stream_type=1), tmp_path / "a")
    [video] = render(mixed_plan([track(0)], stream_type=2), tmp_path / "v")
    assert audio.media_type == "A" and probe(audio.path)["video"] is None
    assert video.media_type == "V" and probe(video.path)["audio"] == []


def test_hls_writes_a_playlist_and_segments_of_fragment_seconds(tmp_path):
    """HLS: the file is the .m3u8; its .ts segments of FragmentSeconds are in `extra`."""
    plan = mixed_plan([track(0, [(0.0, 5.0)])], duration=5.0, output_format="hls")
    plan.fragment_seconds = 2
    [rendered] = render(plan, tmp_path)
    assert rendered.file_name.endswith(".m3u8")
    assert rendered.content_type == "application/vnd.apple.mpegurl"
    playlist = rendered.path.read_text()
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+)", playlist)]
    assert len(durations) == 3 and sum(durations) == pytest.approx(5.0, abs=0.15)
    assert max(durations) <= 2.1
    assert [name for _, name in rendered.extra] == [
        line for line in playlist.splitlines() if line.endswith(".ts")
    ]
    assert all(path.exists() and path.parent == tmp_path for path, _ in rendered.extra)
    assert probe(rendered.path)["video"] == ("h264", 320, 180)


def test_flv_output(tmp_path):
    """FLV: H.264 + AAC in an .flv with the planned duration."""
    [rendered] = render(mixed_plan([track(0)], output_format="flv"), tmp_path)
    info = probe(rendered.path)
    assert rendered.file_name.endswith("_VA_20211124113602084.flv")
    assert rendered.content_type == "video/x-flv"
    assert info["video"] == ("h264", 320, 180) and info["audio"] == [("aac", 48000)]
    assert abs(info["duration"] - 2.0) <= 2 / 15


def test_mp3_output_is_audio_only(tmp_path):
    """MP3: one audio-only file ("A") with the planned duration."""
    [rendered] = render(mixed_plan([track(0)], output_format="mp3"), tmp_path)
    info = probe(rendered.path)
    assert rendered.file_name.endswith("_mixout_A_20211124113602084.mp3")
    assert (rendered.content_type, rendered.media_type) == ("audio/mpeg", "A")
    assert info["video"] is None and info["audio"][0][0].startswith("mp3")
    assert abs(info["duration"] - 2.0) <= 0.1


def test_jpg_task_takes_a_snapshot_every_interval(tmp_path):
    """A screenshot-only task makes one JPG per SnapshotInterval, named by its moment."""
    plan = mixed_plan([track(0)], duration=3.0, output_format="jpg", snapshot_interval=1)
    shots = render(plan, tmp_path)
    assert [shot.begin_timestamp_ms - BEGIN_MS for shot in shots] == [0, 1000, 2000]
    assert shots[1].file_name == "YZ4joOE4IwmFAAAT_room1_mixout_V_20211124113603084.jpg"
    assert all(shot.content_type == "image/jpeg" for shot in shots)
    image = np.asarray(Image.open(shots[0].path).convert("RGB"))
    assert image.shape == (180, 320, 3) and looks_like(image[40, 160], RED)


def test_render_snapshot_of_a_mixed_task_shows_the_composed_frame(tmp_path):
    """render_snapshot returns a JPG of the canvas at that moment."""
    plan = mixed_plan([track(0), track(1, [(1.0, 2.0)])])
    early = np.asarray(Image.open(render_snapshot(plan, 0.5, tmp_path / "a.jpg")))
    late = np.asarray(Image.open(render_snapshot(plan, 1.5, tmp_path / "b.jpg")))
    assert looks_like(early[40, 240], RED)
    assert looks_like(late[40, 240], GREEN)


def test_render_snapshot_of_a_single_task_shows_the_first_video_stream(tmp_path):
    """In single-stream mode the snapshot is the first video stream at its own size."""
    plan = single_plan([track(0, audio=True, video=False), track(2)])
    image = np.asarray(Image.open(render_snapshot(plan, 1.0, tmp_path / "s.jpg")))
    assert image.shape == (180, 320, 3) and looks_like(image[40, 160], BLUE)


# --- single-stream recordings ---------------------------------------------------------------


def test_single_mode_writes_one_file_per_stream_and_per_publish_interval(tmp_path):
    """Without FillBlank a republished stream starts a new file, named by its begin time."""
    plan = single_plan([track(0), track(1, [(0.0, 1.0), (1.5, 2.5)])], duration=2.5)
    files = render(plan, tmp_path)
    summary = [(f.stream_id, f.begin_timestamp_ms - BEGIN_MS, f.duration_ms) for f in files]
    assert summary == [("s0", 0, 2000), ("s1", 0, 1000), ("s1", 1500, 1000)]
    assert files[2].file_name == "YZ4joOE4IwmFAAAT_room1_u1_s1_VA_20211124113603584.mp4"
    for rendered in files:
        info = probe(rendered.path)
        assert info["video"] == ("h264", 320, 180)
        assert abs(info["duration"] - rendered.duration_ms / 1000) <= 2 / 15
    assert looks_like(frame_at(files[2].path, 0.5)[40, 160], GREEN)


def test_single_mode_fill_blank_keeps_one_file_with_silence_in_the_gap(tmp_path):
    """With FillBlank a broken stream stays in one file from first publish to the end."""
    plan = single_plan([track(0, [(0.0, 1.0), (2.0, 3.0)])], duration=3.0, fill_blank=True)
    [rendered] = render(plan, tmp_path)
    assert rendered.duration_ms == 3000
    assert abs(probe(rendered.path)["duration"] - 3.0) <= 2 / 15


def test_single_mode_audio_only_stream_makes_an_audio_file(tmp_path):
    """An audio-only publisher gets an "A" file with no video track, carrying its tone."""
    [rendered] = render(single_plan([track(4, video=False)]), tmp_path)
    assert rendered.media_type == "A"
    assert rendered.file_name == "YZ4joOE4IwmFAAAT_room1_u4_s4_A_20211124113602084.mp4"
    assert probe(rendered.path)["video"] is None
    assert dominant_frequencies(rendered.path, 1) == pytest.approx([tone_frequency(4)], abs=5)


def test_single_mode_stream_type_4_and_video_only(tmp_path):
    """StreamType 4 in single mode: per stream a video mp4 and an audio .aac; StreamType 2
    skips an audio-only stream entirely."""
    files = render(single_plan([track(0)], stream_type=4), tmp_path / "split")
    assert sorted(f.file_name for f in files) == [
        "YZ4joOE4IwmFAAAT_room1_u0_s0_A_20211124113602084.aac",
        "YZ4joOE4IwmFAAAT_room1_u0_s0_V_20211124113602084.mp4",
    ]
    assert render(single_plan([track(0, video=False)], stream_type=2), tmp_path / "v") == []


def test_single_mode_clips_intervals_to_the_task(tmp_path):
    """Intervals reaching past the rendered duration are cut to it."""
    [rendered] = render(single_plan([track(0, [(0.0, 9.0)])], duration=1.0), tmp_path)
    assert rendered.duration_ms == 1000


# --- naming --------------------------------------------------------------------------------


def test_utc_stamp_is_17_digits_of_utc_time():
    """UTC part of a file name: yyyyMMddHHmmssSSS in UTC+0."""
    assert utc_stamp(BEGIN_MS) == "20211124113602084"
    assert utc_stamp(1601221459005) == "20200927154419005"


def test_file_names_follow_output_file_rule_1():
    """Single: TaskId_RoomId_UserId_StreamId_Type_UTC.ext; mixed: …_MixOutputStreamId_…"""
    plan = single_plan([])
    plan.task_id, plan.room_id = "YZ4joOE4IwmFAAAT", "6677"
    single = file_name(plan, "800221_800221", "VA", BEGIN_MS, "mp4")
    assert single == "YZ4joOE4IwmFAAAT_6677_800221_800221_VA_20211124113602084.mp4"
    assert file_name(plan, "my_out", "A", BEGIN_MS, "aac").endswith(
        "_6677_my_out_A_20211124113602084.aac"
    )
