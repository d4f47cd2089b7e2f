"""Every public function and method of course_utils carries type hints on every argument and its return.

mypy checks the hints of the core and the quiz (`make lint`); this test makes
sure the rest of the package has them too, so a new public function cannot
arrive without them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import course_utils


def public_callables():
    """`(qualified name, function, is a method)` for each public function and method defined in the package."""
    modules = ["course_utils", *(m.name for m in pkgutil.walk_packages(course_utils.__path__, "course_utils."))]
    for name in sorted(modules):
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj, False
            elif inspect.isclass(obj):
                for member_name, member in vars(obj).items():
                    if member_name.startswith("_") and member_name != "__init__":
                        continue
                    function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                    # skip what a base class generates for its subclasses (matplotlib's Figure.set)
                    if inspect.isfunction(function) and function.__module__ == name:
                        method = not isinstance(member, staticmethod)
                        yield f"{name}.{attr}.{member_name}", function, method


def missing_hints(function, is_method: bool) -> list[str]:
    parameters = list(inspect.signature(function).parameters.values())[1 if is_method else 0 :]
    missing = [p.name for p in parameters if p.name not in function.__annotations__]
    if "return" not in function.__annotations__ and function.__name__ != "__init__":
        missing.append("return")
    return missing


def test_every_public_function_has_type_hints():
    found = list(public_callables())
    assert len(found) > 200  # the walk reaches the whole package
    unhinted = {name: missing for name, function, method in found if (missing := missing_hints(function, method))}
    assert not unhinted, f"public functions without type hints (argument names, 'return'): {unhinted}"
