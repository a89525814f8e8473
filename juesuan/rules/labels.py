"""How heading names are compared: one heading printed under several labels.

A document names the class 210 `卫生健康(类)` in one table and `卫生健康支出` in its
self-evaluation; the extractor keeps each name as printed. Two statements of a
figure are one figure when their names agree after this normalisation, which is
data (rules.yml `heading_labels`), not code.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class HeadingLabels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: endings a heading's name may carry or drop (支出): 住房保障 and 住房保障支出 are one heading
    suffixes: list[str] = []
    #: a variant wording → the name it stands for (卫生与健康 → 卫生健康)
    same: dict[str, str] = {}

    def normal(self, name: str) -> str:
        """The name with its optional ending dropped and a variant wording replaced."""
        for suffix in self.suffixes:
            if name.endswith(suffix) and len(name) - len(suffix) >= 3:   # 其他支出 stays whole
                name = name[: -len(suffix)]
                break
        return self.same.get(name, name)
