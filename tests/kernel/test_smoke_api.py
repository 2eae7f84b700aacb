def test_me_shows_roles_and_organisation(api, clerk):
    api.force_authenticate(clerk)
    body = api.get("/api/v1/me/").json()
    assert body["roles"] == ["window_clerk"]
    assert body["organisation"]["division"] == "320623100000"
