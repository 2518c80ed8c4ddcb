"""The shared sidebar: the controls generated from the parameter declarations, share and
save, and the briefing pack.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.app import briefing_export, controls, state, widgets
from lib.app.controls import MARK
from lib.app.markup import md_escape, problem_list
from lib.app.state import (
    apply_pending_upload,
    init_state,
    on_preset_change,
    on_reset,
    on_upload,
    scenario,
)
from lib.core.registry import registry
from lib.core.runs import run
from lib.core.scenario import Scenario, preset_values, presets
from lib.report import style


def _on_page_control(key: str) -> None:
    controls.set_value(key, st.session_state[f"page_{key}"])


def threshold_slider(container, parameter) -> float:
    """A page copy of a sidebar slider (same parameter, kept in sync both ways)."""
    key = f"page_{parameter.key}"
    st.session_state[key] = float(scenario().values()[parameter.key])
    return container.slider(
        f"Hypothetical: {parameter.label} [{parameter.unit}]",
        min_value=float(parameter.min), max_value=float(parameter.max),
        step=float(parameter.step), key=key, help=controls.help_text(parameter)
        + "\n\nSame control as in the sidebar.", on_change=_on_page_control,
        args=(parameter.key,), format="%.0f")


def sidebar() -> Scenario:
    """Draw the shared sidebar; return the scenario the controls describe."""
    init_state()
    apply_pending_upload()
    base: Scenario = st.session_state["base"]
    gen = st.session_state["gen"]
    all_presets = presets()
    reg = registry()
    sb = st.sidebar
    sb.markdown("### Scenario")
    names = list(all_presets)
    sb.selectbox("Preset", names, index=names.index(base.preset), key=f"preset_{gen}",
                 format_func=lambda n: all_presets[n].label, on_change=on_preset_change,
                 help="Named scenarios from data/presets.yaml; choosing one resets every "
                      "control to it.")
    preset = all_presets[base.preset]
    sb.caption(preset.rationale)
    _baseline_picker(all_presets)
    preset_vals = preset_values(base.preset)
    current_values = controls.values()
    policy = [g for g in reg.groups.values() if g.kind == "policy"]
    assumption = [g for g in reg.groups.values() if g.kind == "assumption"]
    status = sb.empty()
    for heading, groups, expanded in (("Policy levers", policy, True),
                                      ("Assumptions", assumption, False)):
        sb.markdown(f"### {heading}")
        for group in groups:
            params = [p for p in reg if p.group.key == group.key]
            n = sum(_differs(p, current_values[p.key], preset_vals[p.key]) for p in params)
            label = f"{MARK}{group.label} ({n} changed)" if n else group.label
            panel = controls.lazy_expander(sb, label, f"group_{group.key}", expanded)
            if panel.open:  # a closed group's values stay in the store, unchanged
                with panel:
                    for parameter in params:
                        controls.control(parameter, preset_vals[parameter.key])
    current, problems = Scenario.build(base.preset, controls.overrides(), lenient=True)
    st.session_state["scenario"] = current
    with status.container():
        n = len(current.overrides)
        st.markdown(f"**{n}** control{'s differ' if n != 1 else ' differs'} from the preset "
                    f"({MARK.strip()} marks them)" if n else "All controls at the preset")
        st.button("Reset to preset", on_click=on_reset, disabled=n == 0, key="reset",
                  width="stretch", icon=":material/restart_alt:")
        for key, message in problems:
            st.warning(f"{md_escape(key)}: {md_escape(message)}. That change is ignored.")
    state.record_move(current)
    _share_section(current)
    state.write_link(current)
    return current


def _baseline_picker(all_presets) -> None:
    """The baseline preset, carried in the link like the pages' views (its default, listed
    first, stays out of it); a link naming it by its id, as links did before, still opens it."""
    names = sorted(all_presets, key=lambda name: name != state.DEFAULT_BASELINE)
    key = state.BASELINE_KEY
    linked = st.query_params.get(key)
    if linked in all_presets and key not in st.session_state:
        st.session_state[key] = linked
    st.sidebar.selectbox("Baseline (what every change is measured against)", names, key=key,
                         bind="query-params", format_func=lambda n: all_presets[n].label,
                         help="Headline deltas, dashed reference lines on the time charts and "
                              "the policy/assumption split are all against this preset.")


def _differs(parameter, value: Any, preset_value: Any) -> bool:
    return tuple(value) != tuple(preset_value) if parameter.is_yearly else value != preset_value


def _share_section(current: Scenario) -> None:
    sb = st.sidebar
    sb.markdown("### Share and save")
    widgets.share_link(sb, current.to_query())
    steps = sb.columns(2)
    for column, step, label, icon, what in ((steps[0], -1, "Undo", "undo", "before"),
                                            (steps[1], 1, "Redo", "redo", "after")):
        column.button(label, key=label.lower(), on_click=state.on_step, args=(step,),
                      disabled=not state.can_step(step), icon=f":material/{icon}:",
                      width="stretch", help=f"The scenario {what} this one in this session's "
                      "moves (the browser's Back and Forward step through them too).")
    sb.download_button("Download scenario (JSON)", data=current.to_json(name=style.scenario_label(
        current)), file_name=f"chokepoint-{current.preset}.json", mime="application/json",
        on_click="ignore", key="download_scenario", width="stretch")
    sb.file_uploader("Load a scenario (JSON)", type=["json"],
                     key=f"upload_{st.session_state.get('upload_gen', 0)}",
                     on_change=on_upload, help="A file saved with the button above.")
    problems = st.session_state.get("upload_problems")
    if problems:
        sb.error("The uploaded scenario was not loaded:\n\n" + problem_list(problems))
    ok = st.session_state.pop("upload_ok", None)
    if ok:
        sb.success(f"Loaded: {ok}")
    _briefing_pack_section(current)


def _briefing_pack_section(current: Scenario) -> None:
    sb = st.sidebar
    sb.markdown("### Briefing pack")
    chosen = st.session_state.get("year")  # the headline year, if one the Briefing offers
    year = chosen if chosen in range(2024, run(current).last_year + 1) \
        else briefing_export.default_year(current)
    briefing_export.pack_control(sb, current, year, state.baseline(), width="stretch")
