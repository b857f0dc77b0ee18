"""scikit-learn estimators and pipelines: classifiers give ``{class: probability}``, others their prediction.

A model fitted on a DataFrame knows its columns (``feature_names_in_``): it receives its rows as a DataFrame with
those columns, so it warns about nothing, and a pipeline whose column transformer picks columns by name works from
one input per column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._kind import ModelKind, module_roots, stack_rows

__all__ = ["Estimator"]


class Estimator(ModelKind):
    name = "sklearn"
    order = 70

    @classmethod
    def matches(cls, obj: Any) -> bool:
        return "sklearn" in module_roots(obj)

    @classmethod
    def input_names(cls, obj: Any) -> list[str] | None:
        names = getattr(obj, "feature_names_in_", None)
        return None if names is None else [str(name) for name in names]

    def check_model(self) -> None:
        if not callable(getattr(self.obj, "predict", None)):
            raise TypeError(f"model_type='sklearn' needs an estimator with .predict, got {type(self.obj).__name__}")

    def check_inputs(self, input_labels: Sequence[str]) -> None:
        n_inputs = len(input_labels)
        n_features = getattr(self.obj, "n_features_in_", None)
        if n_inputs > 1 and isinstance(n_features, int) and n_features != n_inputs:
            raise ValueError(
                f"the model was fitted on {n_features} features but the interface has {n_inputs} inputs "
                f"({', '.join(input_labels)}); give one input per feature"
            )

    def _classifies(self) -> bool:
        from sklearn.base import is_classifier

        return bool(is_classifier(self.obj)) and hasattr(self.obj, "predict_proba")

    def _batch(self, columns: list[list[Any]]) -> tuple[Any, list[int] | None]:
        names = getattr(self.obj, "feature_names_in_", None)
        if names is not None and len(columns) == len(names) and not all(hasattr(v, "iloc") for v in columns[0]):
            import pandas

            return pandas.DataFrame({name: column for name, column in zip(names, columns, strict=True)}), None
        return stack_rows(columns)

    def call_many(self, columns: list[list[Any]]) -> list[Any]:
        batch, starts = self._batch(columns)
        if self._classifies():
            probabilities = self.obj.predict_proba(batch)
            picked = probabilities if starts is None else probabilities[starts]
            classes = [str(name) for name in self.obj.classes_]
            return [{name: float(p) for name, p in zip(classes, row, strict=True)} for row in picked]
        predictions = self.obj.predict(batch)
        picked = predictions if starts is None else predictions[starts]
        return [value.item() if hasattr(value, "item") else value for value in picked]
