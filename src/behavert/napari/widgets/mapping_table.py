"""A small table to review and edit a keypoint mapping (source -> target).

One row per source keypoint: its name and a drop-down of the target keypoints
(plus "(left out)"); a summary below says what is merged and which target
keypoints are missing (masked). The Pretrain/Train widgets can embed it
(``KeypointMappingWidget(mapping)``, then read ``.mapping``).
"""

from __future__ import annotations

from pathlib import Path

from magicgui.widgets import ComboBox, Container, FileEdit, Label, PushButton

from ...data.mapping import KeypointMapping, map_keypoints
from ...errors import BehavertError, FileProblemError
from ...io.mapping_file import save_mapping
from .._notify import notify_error

__all__ = ["LEFT_OUT", "KeypointMappingWidget"]

LEFT_OUT = "(left out)"


class KeypointMappingWidget(Container):
    """Review a :class:`~behavert.data.mapping.KeypointMapping` and edit it.

    Parameters
    ----------
    mapping
        The automatic (or loaded) mapping to show.
    """

    def __init__(self, mapping: KeypointMapping) -> None:
        super().__init__(labels=True)
        self._source = mapping.source
        self._target = mapping.target
        self._rows: dict[str, ComboBox] = {}
        choices = [LEFT_OUT, *mapping.target]
        for name in mapping.source:
            box = ComboBox(
                choices=choices,
                value=mapping.mapped.get(name, LEFT_OUT),
                label=name,
                name=f"map_{len(self._rows)}",
            )
            box.native.setObjectName(f"map_{name}")
            box.changed.connect(self._on_row_changed)
            self._rows[name] = box
        self._summary = Label(label="")
        self._summary.native.setObjectName("mapping_summary")
        self._file = FileEdit(
            mode="w", filter="Mapping (*.yaml *.csv)", label="Mapping file"
        )
        self._file.native.setObjectName("mapping_file")
        self._save = PushButton(text="Save mapping")
        self._save.native.setObjectName("save_mapping_button")
        self._save.changed.connect(self._on_save_clicked)
        self.extend([*self._rows.values(), self._summary, self._file, self._save])
        self._rules = {s: r for s, _, r in mapping.pairs}
        self._initial = dict(mapping.mapped)
        self._on_row_changed()

    @property
    def mapping(self) -> KeypointMapping:
        """The mapping as edited (changed rows get the rule ``"user"``)."""
        user = {
            s: (None if box.value == LEFT_OUT else box.value)
            for s, box in self._rows.items()
        }
        edited = map_keypoints(self._source, self._target, user_map=user)
        pairs = tuple(
            (s, t, self._rules[s] if self._initial.get(s) == t else "user")
            for s, t, _ in edited.pairs
        )
        return KeypointMapping(self._source, self._target, pairs)

    def _on_row_changed(self, *_args) -> None:
        m = self.mapping
        merged = "; ".join(f"{t} = mean({', '.join(s)})" for t, s in m.merged.items())
        lines = [
            f"{len(m.pairs)} of {len(m.source)} mapped, {len(m.left_out)} left out",
            f"merged: {merged or 'none'}",
            f"missing (masked): {', '.join(m.missing) or 'none'}",
        ]
        self._summary.value = "\n".join(lines)

    def _on_save_clicked(self, *_args) -> None:
        path = Path(str(self._file.value))
        if path.suffix.lower() not in (".yaml", ".yml", ".csv"):
            notify_error(FileProblemError(path, "choose a .yaml or .csv file"))
            return
        try:
            save_mapping(self.mapping, path)
        except (OSError, BehavertError) as err:  # shown, never raised into Qt
            notify_error(err)
            return
        self._summary.value += f"\nsaved to {path.name}"
