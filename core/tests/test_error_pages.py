import pytest


@pytest.mark.django_db
def test_missing_page_uses_the_product_layout_and_explains_switching(client, user):
    client.force_login(user)

    response = client.get("/organizations/no-such-firm/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "switch to the right one" in page
    assert 'class="site-header"' in page


@pytest.mark.django_db
def test_missing_api_route_answers_with_the_error_body(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
