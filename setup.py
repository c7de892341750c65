"""Only what pyproject.toml cannot say: schemas/ and templates/ stay at the top of the
checkout (the layout card a user reads) and ship inside the wheel as audit/schemas and
audit/templates, where audit.resources finds them through importlib.resources."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["audit", "audit.*"]) + ["audit.schemas", "audit.templates"],
    package_dir={"audit.schemas": "schemas", "audit.templates": "templates"},
)
