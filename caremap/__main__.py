from caremap.cli import app

app(prog_name="caremap")
