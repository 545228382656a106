"""Typed parameters turn into ZEGO's PascalCase wire shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import zego

ROOT = Path(__file__).resolve().parents[2]


def test_it_converts_a_full_mix_config_to_wire_names():
    """Every MixConfig field maps to its documented wire name; None fields are omitted."""
    config = zego.MixConfig(
        mix_output_stream_id="mix",
        mix_mode=zego.MixMode.CUSTOM,
        mix_input_list=[
            zego.MixInputTile(
                left=0,
                top=0,
                right=640,
                bottom=360,
                layer=2,
                stream_id="s1",
                view_type=zego.ViewType.AUDIO_VIDEO,
                fill_mode=zego.FillMode.FIT,
                background_image="https://x/bg.png",
            )
        ],
        fill_mode=zego.FillMode.CROP,
        mix_output_video_config=zego.MixOutputVideoConfig(
            width=640, height=360, fps=15, bitrate=400000
        ),
        mix_output_audio_config=zego.MixOutputAudioConfig(bitrate=48000),
        mix_output_background_color=0x11223300,
        mix_output_watermark_image_config=zego.MixOutputWatermarkImageConfig(
            left=0, top=0, right=10, bottom=10
        ),
        mix_output_watermark_timestamp_config=zego.MixOutputWatermarkTimestampConfig(font_size=20),
        is_always_mix=True,
        stream_config_list=[zego.StreamConfig(stream_id="s1", stream_type=1)],
        clear_input_stream_timeout=3000,
    )
    assert config.to_wire() == {
        "MixOutputStreamId": "mix",
        "MixMode": 1,
        "MixInputList": [
            {
                "Left": 0,
                "Top": 0,
                "Right": 640,
                "Bottom": 360,
                "Layer": 2,
                "StreamId": "s1",
                "ViewType": 1,
                "FillMode": 2,
                "BackgroundImage": "https://x/bg.png",
            }
        ],
        "FillMode": 1,
        "MixOutputVideoConfig": {"Width": 640, "Height": 360, "Fps": 15, "Bitrate": 400000},
        "MixOutputAudioConfig": {"Bitrate": 48000},
        "MixOutputBackgroundColor": 0x11223300,
        "MixOutputWatermarkImageConfig": {"Left": 0, "Top": 0, "Right": 10, "Bottom": 10},
        "MixOutputWatermarkTimestampConfig": {"FontSize": 20},
        "IsAlwaysMix": True,
        "StreamConfigList": [{"StreamId": "s1", "StreamType": 1}],
        "ClearInputStreamTimeout": 3000,
    }


def test_it_emits_plain_json_types():
    """Enums become plain ints/strings so json.dumps gives ZEGO's values."""
    wire = zego.RecordOutputParams(output_file_format=zego.OutputFileFormat.HLS).to_wire()
    assert json.dumps(wire) == '{"OutputFileFormat": "hls"}'
    assert type(zego.to_wire(zego.Vendor.S3_COMPATIBLE)) is int


def test_it_wraps_stream_ids_and_a_single_whiteboard():
    """Stream ids become {"StreamId": ...}; one whiteboard becomes a list and sets HasWhiteboard."""
    params = zego.RecordInputParams(
        record_mode=zego.RecordMode.SINGLE,
        record_stream_list=["s1", {"StreamId": "s2"}],
        whiteboard=zego.Whiteboard(
            horizontal_ratio=16, vertical_ratio=9, is_ppt_animation=True, ppt_animation_fps=20
        ),
        fill_frame=zego.FillFrame(frame_fill_mode=2, frame_fill_color=0xFF000000),
    )
    assert params.to_wire() == {
        "RecordMode": 1,
        "RecordStreamList": [{"StreamId": "s1"}, {"StreamId": "s2"}],
        "FillFrame": {"FrameFillMode": 2, "FrameFillColor": 0xFF000000},
        "Whiteboard": [
            {
                "HorizontalRatio": 16,
                "VerticalRatio": 9,
                "IsPPTAnimation": True,
                "PPTAnimationFps": 20,
            }
        ],
        "HasWhiteboard": True,
    }


def test_it_maps_storage_params_for_each_vendor_shape():
    """EndPoint and the VOD parameter objects use ZEGO's spelling."""
    s3 = zego.StorageParams(
        vendor=zego.Vendor.S3_COMPATIBLE,
        region="lon1",
        bucket="b",
        access_key_id="k",
        access_key_secret="s",
        end_point="https://lon1.digitaloceanspaces.com",
    )
    assert s3.to_wire()["EndPoint"] == "https://lon1.digitaloceanspaces.com"
    vod = zego.StorageParams(
        vendor=zego.Vendor.TENCENT_VOD,
        tencent_cloud_vod_params=zego.TencentCloudVodParams(
            secret_id="i", secret_key="k", region="ap-beijing", sub_app_id=7
        ),
    )
    assert vod.to_wire() == {
        "Vendor": 6,
        "TencentCloudVodParams": {
            "SecretId": "i",
            "SecretKey": "k",
            "Region": "ap-beijing",
            "SubAppId": 7,
        },
    }


def test_it_passes_extra_fields_through():
    """`extra` carries fields ZEGO adds before this client models them."""
    params = zego.RecordOutputParams(output_folder="rec/", extra={"NewFlag": True})
    assert params.to_wire() == {"OutputFolder": "rec/", "NewFlag": True}


def test_it_exposes_all_ten_vendors():
    """Vendor covers the ten documented storage providers."""
    assert [int(v) for v in zego.Vendor] == list(range(1, 11))


def test_it_keeps_django_out_of_the_package():
    """`import zego` loads no Django; constants.py alone needs only the standard library."""
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('standalone', 'zego/constants.py')\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "assert 'requests' not in sys.modules\n"
        "import zego\n"
        "assert not [m for m in sys.modules if m.startswith('django')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
