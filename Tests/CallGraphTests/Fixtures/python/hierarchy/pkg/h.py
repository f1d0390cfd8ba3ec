class Base:
    def __init__(self):
        self.setup()           # -> pkg.h.Base.setup candidate; -> pkg.h.Child.setup candidate

    def setup(self):
        pass

    def common(self):
        pass

    @classmethod
    def create(cls):
        return cls.default()   # -> pkg.h.Base.default exact

    @classmethod
    def default(cls):
        pass


class Child(Base):
    def setup(self):
        super().setup()        # -> pkg.h.Base.setup inferred
        self.common()          # -> pkg.h.Base.common inferred


class GrandChild(Child):
    pass


def use():
    GrandChild()               # -> pkg.h.Base.__init__ inferred
    c = Child()                # -> pkg.h.Base.__init__ inferred
    c.setup()                  # -> pkg.h.Child.setup inferred; !-> pkg.h.Base.setup
