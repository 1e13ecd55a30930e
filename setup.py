from configparser import ConfigParser

import setuptools
from packaging.version import Version  # not pkg_resources, which recent setuptools no longer ships

cfg = ConfigParser(delimiters=["="])
cfg.read("settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

expected = ("version description keywords author author_email license lib_name user "
            "min_python status audience language").split()
missing = [o for o in expected if o not in cfg]
if missing: raise KeyError(f"settings.ini is missing: {missing}")

licenses = {"apache2": "Apache-2.0"}  # SPDX expressions: setuptools >= 77 rejects license classifiers beside them
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable", "6 - Mature", "7 - Inactive"]
py_versions = "3.10 3.11 3.12 3.13".split()

min_python = cfg["min_python"]
requirements = cfg.get("requirements", "").split()
dev_requirements = cfg.get("dev_requirements", "").split()
digits_requirements = cfg.get("digits_requirements", "").split()
tensorboard_requirements = cfg.get("tensorboard_requirements", "").split()
console_scripts = cfg.get("console_scripts", "").split()

setuptools.setup(
    name=cfg["lib_name"].replace("_", "-"),
    version=cfg["version"],
    license=licenses.get(cfg["license"].lower(), cfg["license"]),
    license_files=["LICENSE"],
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"])],
        "Intended Audience :: " + cfg["audience"].title(),
        "Natural Language :: " + cfg["language"].title(),
        "Topic :: Scientific/Engineering :: Image Recognition",
    ] + ["Programming Language :: Python :: " + o for o in py_versions if Version(o) >= Version(min_python)],
    url=cfg["git_url"],
    packages=setuptools.find_packages(include=[cfg["lib_path"], cfg["lib_path"] + ".*"]),
    include_package_data=True,
    install_requires=requirements,
    extras_require={"dev": dev_requirements + digits_requirements, "digits": digits_requirements,
                    "tensorboard": tensorboard_requirements},
    python_requires=">=" + min_python,
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    zip_safe=False,
    entry_points={"nbdev": [f'{cfg["lib_path"]}={cfg["lib_path"]}._modidx:d'], "console_scripts": console_scripts},
    author=cfg["author"],
    author_email=cfg["author_email"],
    description=cfg["description"],
    keywords=cfg["keywords"],
)
