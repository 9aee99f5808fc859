"""The one configuration resolver: layers, the new prefix, the old prefix's warning."""

from __future__ import annotations

import pytest

import settings as config


def test_layers_defaults_then_instance_file_then_environment(tmp_path):
    (tmp_path / "config.py").write_text(
        'INDEX_DIR = "/from/file"\nDATABASE_URL = "sqlite:///file.db"\nlower = 1\n', "utf-8")
    env = {"CASEBASE_DATABASE_URL": "sqlite:///env.db", "CASEBASE_LOG_QUERIES": "false"}
    cfg = config.resolve(instance=tmp_path, environ=env)
    assert cfg["INDEX_DIR"] == "/from/file"  # file beats default
    assert cfg["DATABASE_URL"] == "sqlite:///env.db"  # environment beats file
    assert cfg["LOG_QUERIES"] is False  # values parsed like Flask's from_prefixed_env
    assert cfg["MODELS_DIR"] == str(tmp_path / "models")  # defaults follow the instance folder
    assert "lower" not in cfg


def test_test_mapping_replaces_file_and_environment(tmp_path):
    (tmp_path / "config.py").write_text('INDEX_DIR = "/from/file"\n', "utf-8")
    cfg = config.resolve({"CASES_DIR": "/t"}, instance=tmp_path,
                         environ={"CASEBASE_CASES_DIR": "/env"})
    assert cfg["CASES_DIR"] == "/t" and cfg["INDEX_DIR"] == str(tmp_path / "index")


def test_old_prefix_still_works_with_a_warning_and_new_prefix_wins(tmp_path):
    env = {"CASESEARCH_INDEX_DIR": "/old", "CASESEARCH_CASES_DIR": "/old-cases",
           "CASEBASE_CASES_DIR": "/new-cases"}
    with pytest.warns(FutureWarning, match="CASESEARCH_"):
        cfg = config.resolve(instance=tmp_path, environ=env)
    assert cfg["INDEX_DIR"] == "/old" and cfg["CASES_DIR"] == "/new-cases"


def test_process_settings_are_not_config_keys(tmp_path):
    env = {"CASEBASE_WORKERS": "4", "CASEBASE_MODEL_DIR": "/m", "CASEBASE_INSTANCE_PATH": "/i"}
    cfg = config.resolve(instance=tmp_path, environ=env)
    assert not {"WORKERS", "MODEL_DIR", "INSTANCE_PATH"} & set(cfg)
    assert config.instance_path(env) == config.Path("/i")


def test_check_command_reads_cases_dir_from_configuration(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cli import main

    monkeypatch.setenv("CASEBASE_CASES_DIR", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1 and str(tmp_path / "nowhere") in result.output
