# Storage profiles are built in their own issue; the app is registered so migrations and URLs can grow.
