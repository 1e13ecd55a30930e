"""Every global name the library's functions use exists in their module once it is imported.

A notebook can hide a missing import: its test cells import the name for themselves, so the lesson passes while the
exported module raises NameError the first time a user calls the function (lesson 61's `yolo_assign` once lacked
`wh_iou`). This reads the bytecode of every function, method and class body in each module and checks that each name
it loads as a global is defined in the module or is a builtin."""
import builtins, dis, importlib, types
import pytest
from test_layers import LIB, module_name

MODULES = sorted(module_name(p) for p in LIB.rglob('*.py') if module_name(p) and not module_name(p).startswith('_'))

def code_objects(code: types.CodeType):
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType): yield from code_objects(c)

def global_loads(code: types.CodeType):
    for c in code_objects(code):
        for ins in dis.get_instructions(c):
            if ins.opname in ('LOAD_GLOBAL', 'LOAD_NAME') and c.co_name != '<module>': yield c.co_qualname, ins.argval

@pytest.mark.parametrize('name', MODULES)
def test_every_global_name_is_defined(name):
    mod = importlib.import_module(f'torchcv_nb.{name}')
    source = mod.__file__
    code = compile(open(source).read(), source, 'exec')
    known = set(vars(mod)) | set(dir(builtins))
    missing = sorted({(where, n) for where, n in global_loads(code) if n not in known and not n.startswith('__')})
    assert not missing, f"torchcv_nb.{name} uses names it never defines or imports: {missing}; add the imports to the lesson's export cell."
