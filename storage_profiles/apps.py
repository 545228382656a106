from django.apps import AppConfig


class StorageProfilesConfig(AppConfig):
    name = "storage_profiles"
