import datetime as dt

import pytest

from formkit.campaign import load_campaign


@pytest.fixture(scope="session")
def campaign():
    return load_campaign()


@pytest.fixture(scope="session")
def merged_dir(tmp_path_factory):
    """`formkit merge` of the bundled samples as of 2024-01-15; read only (a test that changes it copies it)."""
    from formkit import api
    from formkit.resources import samples_dir

    out = tmp_path_factory.mktemp("merged")
    api.merge_to([samples_dir()], out, as_of=dt.date(2024, 1, 15))
    return out
