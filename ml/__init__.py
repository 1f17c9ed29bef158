"""Delay / cost-overrun risk model: past projects -> calibrated model -> scores with drivers.

Public API (framework-free; the CLI, REST API and drafts call these):
- `ml.service.train_to_dir(data_csv, spec_toml_or_None, out_dir) -> dict` (the `risk train`
  JSON summary); `ml.train.train_risk_model(frame, spec) -> RiskModel` for in-memory use.
- `ml.persist.load_model(model_dir) -> RiskModel`; `ml.persist.read_card(model_dir)` for the
  card alone. `RiskModel.card.to_json_dict()` is what GET /api/v1/risk/model returns.
- `RiskModel.score_records(list_of_dicts)` / `RiskModel.score_frame(df)` -> one result dict
  per project (CONTRACT.md `risk score`), in input order. Scoring replays the fitted
  pipelines with numpy (ml.compiled, checked against scikit-learn when first used), so one
  project takes well under a millisecond.
- Errors: `ml.errors.RiskModelError` and its subclasses `RiskSpecError`, `ModelFileError`,
  `RiskInputError(row, column, message)` (a 422 naming `column`).
"""
