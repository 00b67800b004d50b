import pytest

from formkit.campaign import load_campaign


@pytest.fixture(scope="session")
def campaign():
    return load_campaign()
