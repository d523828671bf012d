"""Builds weir.core with the repository's CMake project (libweir is compiled and linked in
statically), so `pip install ./python` works from a checkout. CMake chooses CUDA when nvcc is
found (WEIR_CUDA=AUTO); set CMAKE_ARGS="-DWEIR_CUDA=OFF" to build for the CPU only."""

import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        out_dir = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        build_dir = os.path.join(os.path.abspath(self.build_temp), "cmake")
        os.makedirs(build_dir, exist_ok=True)
        args = [
            "cmake", "-S", REPO, "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DWEIR_BUILD_PYTHON=ON",
            "-DWEIR_BUILD_TESTS=OFF", "-DWEIR_BUILD_EXAMPLES=OFF", "-DWEIR_BUILD_BENCH=OFF",
            f"-DPython3_EXECUTABLE={sys.executable}",
            f"-DWEIR_PYTHON_OUTPUT_DIR={out_dir}",
        ] + shlex.split(os.environ.get("CMAKE_ARGS", ""))
        subprocess.check_call(args)
        jobs = str(os.cpu_count() or 2)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "weir_python", "--parallel", jobs])
        # CMake names the module core<SOABI suffix>; setuptools expects get_ext_filename's name.
        built = [f for f in os.listdir(out_dir) if f.startswith("core") and f.endswith(".so")]
        target = os.path.basename(self.get_ext_fullpath(ext.name))
        if built and target not in built:
            os.replace(os.path.join(out_dir, built[0]), os.path.join(out_dir, target))


setup(ext_modules=[Extension("weir.core", sources=[])], cmdclass={"build_ext": CMakeBuild})
