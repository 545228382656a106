from django.urls import path

from playback import views

app_name = "playback"
urlpatterns = [
    path("files/", views.file_list, name="file_list"),
    path("files/export.csv", views.file_export, name="file_export"),
    path("player/<int:pk>/", views.player, name="player"),
    path("player/<int:pk>/urls/", views.player_urls, name="player_urls"),
    path("player/<int:pk>/live/", views.live_player, name="live_player"),
    path("player/<int:pk>/check/", views.bucket_check, name="bucket_check"),
    path("player/files/<int:pk>/playlist.m3u8", views.hls_playlist, name="hls_playlist"),
    path("player/files/<int:pk>/hls/<str:name>", views.hls_segment, name="hls_segment"),
    path("player/files/<int:pk>/share/", views.share_create, name="share_create"),
    path("player/files/<int:pk>/rescue/", views.file_rescue, name="file_rescue"),
    path("share-links/<int:pk>/revoke/", views.share_revoke, name="share_revoke"),
    # Public: anyone holding an unexpired, unrevoked token.
    path("share/<str:token>/", views.share_page, name="share_page"),
    path("share/<str:token>/urls/", views.share_urls, name="share_urls"),
    path("share/<str:token>/playlist.m3u8", views.share_playlist, name="share_playlist"),
    path("share/<str:token>/hls/<str:name>", views.share_segment, name="share_segment"),
]
