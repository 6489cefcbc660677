import os

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_requirements(name):
    """Requirement lines of requirements/<name> without comments or nested -r lines."""
    with open(os.path.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line and not line.startswith('-r')]


version = {}
with open(os.path.join(HERE, 'mmdmgan', 'version.py')) as f:
    exec(f.read(), version)

setup(
    name='mmdmgan',
    version=version['__version__'],
    description='DM-GAN text-to-image synthesis as an OpenMMLab (MMEngine / MMagic) plugin',
    long_description=open(os.path.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(include=['mmdmgan', 'mmdmgan.*']),
    include_package_data=True,
    package_data={'mmdmgan': ['checkpoints/*']},
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
)
