"""Risk tab: a form built from the model card, batch CSV scoring, and the current portfolio."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.errors import AssistantError
from assistant.settings import data_dir
from ingest.errors import IngestError
from ml.card import FeatureCard, ModelCard
from ml.errors import RiskModelError
from ml.export import write_csv
from ui.risk_holder import LoadedModel, NoRiskModelError
from ui.web.i18n import t
from ui.web.risk_view import (
    drivers_frame,
    form_fill,
    portfolio_frame,
    reliability_frame,
    result_markdown,
    sample_projects,
    score_csv,
    shown_results,
    target_label,
)
from ui.web.tabs.context import UiContext, lang_code

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756")  # Vega's first colours


def _current(ctx: UiContext) -> LoadedModel:
    try:
        return ctx.holder.current()
    except NoRiskModelError as exc:
        raise gr.Error(str(exc)) from None


def _input_for(feature: FeatureCard, value: Any, lang: str, card: ModelCard) -> Any:
    label = card.feature_label(feature.name, lang)
    if feature.type == "categorical":
        # The card's categories are the choices; another value is accepted and scored as
        # missing, as the API does (ml.features).
        return gr.Dropdown(
            [(card.value_label(c, lang), c) for c in feature.categories or ()],
            value=value,
            label=label,
            allow_custom_value=True,
            elem_id=f"risk-{feature.name}",
            interactive=True,  # built inside gr.render: say so, it is not inferred there
        )
    span = feature.training_range
    info = f"{span[0]:g} – {span[1]:g}" if span is not None else None
    return gr.Number(
        value=value,
        label=label,
        info=info,
        elem_id=f"risk-{feature.name}",
        interactive=True,
    )


def _form(
    ctx: UiContext, loaded: LoadedModel, prefill: dict[str, Any], lang: str, project: Any
) -> None:
    card = loaded.card
    features = list(card.features)
    spec = card.spec
    with gr.Accordion(t("risk_form", lang), open=True):
        fill = gr.Button(t("risk_fill", lang), elem_id="risk-fill")
        sources = gr.Markdown("", elem_id="risk-sources", key=f"risk-sources-{lang}")
        inputs = []
        for start in range(0, len(features), 4):
            with gr.Row():
                inputs += [
                    _input_for(f, prefill.get(f.name), lang, card)
                    for f in features[start : start + 4]
                ]
        button = gr.Button(t("score", lang), variant="primary", elem_id="risk-score")
        # Explicitly empty: a form rebuilt for the other language must not keep showing the
        # previous score, worded in the previous language and for the previous inputs.
        result = gr.Markdown("", elem_id="risk-result", key=f"risk-result-{lang}")
        chart = gr.BarPlot(
            x="feature",
            y="effect",
            color="target",
            x_title=t("axis_feature", lang),
            y_title=t("axis_effect", lang),
            color_title=t("axis_target", lang),
            # One colour per target whatever order its drivers come in (else by first bar).
            color_map={
                target_label(name, lang): PALETTE[i % len(PALETTE)]
                for i, name in enumerate(card.target_names)
            },
            label=t("drivers", lang),
            elem_id="risk-drivers",
            key=f"risk-drivers-{lang}",
            sort="-y",
        )

    def on_score(language: str, *values: Any) -> tuple[str, pd.DataFrame]:
        # The form's values are the project: this is their one conversion before ml.
        record = {f.name: (None if v == "" else v) for f, v in zip(features, values, strict=True)}
        try:
            (scored,) = _current(ctx).model.score_results([record])
        except RiskModelError as exc:
            raise gr.Error(str(exc)) from None
        lang = lang_code(language)
        text = result_markdown(scored, lang, features=len(features), spec=spec)
        return text, drivers_frame(scored, lang=lang, spec=spec)

    # Gradio fixes the bars' colour domain (the targets' names) when it first draws a chart
    # and afterwards only swaps the data: a score in the other language, or one whose drivers
    # touch another target, drew no bars under a stale legend. Emptied first, the chart is
    # drawn afresh from each score.
    button.click(lambda: None, inputs=None, outputs=chart).then(
        on_score, inputs=[ctx.language, *inputs], outputs=[result, chart]
    )

    def on_fill(name: str | None, language: str) -> list[Any]:
        """The project's values from its record into the form, each with its source, and the
        missing ones named (issue #15 point 4)."""
        lang = lang_code(language)
        if not name:
            raise gr.Error(t("risk_choose_project", lang))
        try:
            found = ctx.workspace.risk_inputs(name)
        except (AssistantError, IngestError, RiskModelError) as exc:
            raise gr.Error(str(exc)) from None
        fields, summary = form_fill(card, name, found, lang)
        return [*(gr.update(value=f.value, info=f.info) for f in fields), summary]

    fill.click(on_fill, inputs=[project, ctx.language], outputs=[*inputs, sources])


def _batch(ctx: UiContext, targets: tuple[str, ...], spec: dict[str, Any] | None) -> None:
    add = ctx.relabel.add
    upload = add(
        gr.File(label=t("batch_csv", "zh"), file_types=[".csv", ".xlsx"], elem_id="risk-csv"),
        label="batch_csv",
    )
    button = add(gr.Button(t("batch_score", "zh"), elem_id="risk-batch"), value="batch_score")
    scored = gr.State(None)  # the raw table (as in the CSV download), shown in either language
    table = add(
        gr.Dataframe(shown_results(None, "zh", spec, targets), label=t("batch_table", "zh"),
                     interactive=False, elem_id="risk-batch-table"),
        label="batch_table",
    )  # fmt: skip
    download = add(gr.File(label=t("downloads", "zh"), interactive=False), label="downloads")

    def show(frame: pd.DataFrame | None, language: str) -> pd.DataFrame:
        return shown_results(frame, lang_code(language), spec, targets)

    def on_batch(csv_file: str | None, language: str) -> tuple[Any, pd.DataFrame, str | None]:
        if not csv_file:
            raise gr.Error(t("choose_csv", lang_code(language)))
        try:
            frame = score_csv(_current(ctx), Path(csv_file))
        except (RiskModelError, ValueError, UnicodeDecodeError) as exc:
            raise gr.Error(f"{Path(csv_file).name}: {exc}") from None
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = write_csv(frame, ctx.output_dir("risk") / f"scored-{stamp}.csv")
        return frame, show(frame, language), str(out)

    button.click(
        on_batch, inputs=[upload, ctx.language], outputs=[scored, table, download]
    )
    ctx.on_load.append((show, [scored, ctx.language], [table]))


def _portfolio(ctx: UiContext, targets: tuple[str, ...], spec: dict[str, Any] | None) -> None:
    add = ctx.relabel.add
    button = add(
        gr.Button(t("portfolio_score", "zh"), elem_id="risk-portfolio"), value="portfolio_score"
    )
    scored = gr.State(None)
    table = add(
        gr.Dataframe(
            shown_results(None, "zh", spec, targets, named=True),
            label=t("portfolio", "zh"),
            interactive=False,
            elem_id="risk-portfolio-table",
        ),
        label="portfolio",
    )

    def show(frame: pd.DataFrame | None, language: str) -> pd.DataFrame:
        return shown_results(frame, lang_code(language), spec, targets, named=True)

    def on_portfolio(language: str) -> tuple[Any, pd.DataFrame]:
        try:
            _current(ctx)  # no model: say how to train one
            frame = portfolio_frame(ctx.workspace.score_portfolio())
        except (AssistantError, IngestError, RiskModelError) as exc:
            raise gr.Error(str(exc)) from None
        return frame, show(frame, language)

    button.click(on_portfolio, inputs=ctx.language, outputs=[scored, table])
    ctx.on_load.append((show, [scored, ctx.language], [table]))


def build(ctx: UiContext) -> None:
    samples = sample_projects(data_dir() / "samples")
    prefill = samples[0].features if samples else {}
    # Outside the rendered form: its choices are refreshed on page load and after an ingest
    # like every project menu, and rendering the form never opens the index.
    project = ctx.relabel.add(
        ctx.project_picker(
            gr.Dropdown([], value=None, label=t("risk_fill_project", "zh"),
                        elem_id="risk-project", interactive=True)
        ),
        label="risk_fill_project",
    )  # fmt: skip

    # Built from the model loaded when the page is opened (or the language switched), so a
    # retrained model with other features shows up without restarting the server.
    @gr.render(inputs=[ctx.language])
    def risk_form(language: str) -> None:
        lang = lang_code(language)
        loaded = ctx.holder.optional()
        if loaded is None:
            gr.Markdown(t("no_model", lang, dir=ctx.holder.model_dir), elem_id="risk-no-model")
            return
        _form(ctx, loaded, prefill, lang, project)
        gr.LinePlot(
            reliability_frame(loaded.card, lang),
            x="predicted",
            y="observed",
            color="series",
            x_title=t("axis_predicted", lang),
            y_title=t("axis_observed", lang),
            color_title=t("risk_reliability", lang),
            x_lim=[0, 1],
            y_lim=[0, 1],
            label=t("risk_reliability", lang),
            elem_id="risk-reliability",
            key=f"risk-reliability-{lang}",
        )

    loaded = ctx.holder.optional()
    targets = tuple(loaded.card.target_names) if loaded else ("delay", "overrun")
    spec = loaded.card.spec if loaded else None
    _batch(ctx, targets, spec)
    _portfolio(ctx, targets, spec)
