import zego.validation
from recordings.start import StartOptions, color_to_zego, grid_tiles


def body_for(options: StartOptions) -> dict:
    return {
        "RoomId": "r",
        **options.request_for_ledger("https://console.example/callbacks/zego/1/"),
        "StorageParams": {
            "Vendor": 1,
            "Region": "us-east-1",
            "Bucket": "bkt",
            "AccessKeyId": "k",
            "AccessKeySecret": "s",
        },
    }


def test_a_mixed_start_is_a_valid_zego_request():
    options = StartOptions(record_mode=2, width=1280, height=720, fps=15, bitrate_kbps=1500)
    body = body_for(options)
    assert zego.validation.request_problems("StartRecord", body) == []
    video = body["RecordInputParams"]["MixConfig"]["MixOutputVideoConfig"]
    assert video == {"Width": 1280, "Height": 720, "Fps": 15, "Bitrate": 1_500_000}


def test_excluding_a_stream_in_mixed_mode_lays_out_the_rest_in_a_custom_grid():
    options = StartOptions(
        record_mode=2, exclude_streams=["b"], room_streams=["a", "b", "c"], width=1280, height=720
    )
    mix = options.record_input_params()["MixConfig"]
    assert mix["MixMode"] == 1
    assert [tile["StreamId"] for tile in mix["MixInputList"]] == ["a", "c"]
    assert zego.validation.request_problems("StartRecord", body_for(options)) == []


def test_single_mode_with_a_selection_sends_record_stream_list():
    options = StartOptions(record_mode=1, include_streams=["a", "c"])
    params = options.record_input_params()
    assert params["RecordStreamList"] == [{"StreamId": "a"}, {"StreamId": "c"}]
    assert "MixConfig" not in params


def test_audio_only_mixes_send_no_video_config():
    options = StartOptions(record_mode=2, stream_type=1, output_format="mp3")
    assert "MixOutputVideoConfig" not in options.record_input_params()["MixConfig"]


def test_colours_are_packed_as_zego_expects():
    assert color_to_zego("#ff8000") == 0xFF800000


def test_grid_tiles_cover_the_canvas_without_overlap():
    tiles = grid_tiles(["a", "b", "c", "d", "e"], 1280, 720, 1)
    assert len(tiles) == 5
    assert all(t["Right"] <= 1280 and t["Bottom"] <= 720 for t in tiles)
    assert zego.validate_layout(tiles, 1280, 720) == []


def test_a_selection_that_leaves_nothing_is_flagged_in_either_mode():
    # An empty RecordStreamList/MixInputList would mean "every stream" to ZEGO.
    for mode in (1, 2):
        everyone_excluded = StartOptions(
            record_mode=mode, exclude_streams=["a"], room_streams=["a"]
        )
        assert everyone_excluded.selects_nothing()
    assert not StartOptions(record_mode=1).selects_nothing()


def test_a_preset_gives_back_the_options_it_saved():
    options = StartOptions(record_mode=1, stream_type=1, output_format="mp3", max_idle_time=60)
    saved = {**options.as_preset(), "retired_field": True}
    assert StartOptions.from_preset(saved, storage_profile=None) == options


def test_start_request_problems_are_zegos_rules_in_words():
    from recordings.start import request_problems

    assert request_problems(StartOptions(record_mode=2), "r") == []
    assert any("Fps" in problem for problem in request_problems(StartOptions(2, fps=500), "r"))
