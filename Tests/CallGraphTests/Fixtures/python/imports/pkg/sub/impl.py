class Engine:
    def start(self):
        pass


def build():
    pass


def _private():
    pass
