from pathlib import Path

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.core.settings import Settings, load_settings


def test_yaml_file_then_environment_then_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "x.yaml"
    config.write_text("top_k: 7\nrrf_k: 10\nfusion: weighted\n", encoding="utf-8")
    monkeypatch.setenv("RAG_RRF_K", "20")
    settings = load_settings(config, candidates=30)
    assert (settings.top_k, settings.rrf_k, settings.fusion, settings.candidates) == (
        7,
        20,
        "weighted",
        30,
    )


def test_invalid_values_are_rejected():
    with pytest.raises(ValidationError):
        Settings(chunk_tokens=100, chunk_overlap=100)
    with pytest.raises(ValidationError):
        Settings(mode="keyword")


def test_missing_config_file_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "absent.yaml")


def test_every_setting_says_what_it_does_and_secrets_stay_secret():
    from pydantic import SecretStr

    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert not missing, missing
    secrets = [n for n in Settings.model_fields if n.endswith(("_key", "_token"))]
    assert {"llm_api_key", "judge_api_key", "admin_api_key"} <= set(secrets)
    settings = Settings(llm_api_key="sk-live-1", judge_api_key="sk-live-2")
    for name in secrets:
        value = getattr(settings, name)
        assert value is None or isinstance(value, SecretStr), name
    assert "sk-live" not in repr(settings) and "sk-live" not in str(settings.model_dump())
