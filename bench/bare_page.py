"""The anchor of the HTTP benches: a bare Flask page rendering a 50-row Jinja table (no database)."""
from flask import Flask, render_template_string

app = Flask(__name__)
ROWS = [(i, f"Nguyễn Văn An {i}", 1970 + i % 30) for i in range(50)]
@app.get("/")
def index():
    return render_template_string("<table>{% for i,n,y in rows %}<tr><td>{{i}}<td>{{n}}<td>{{y}}{% endfor %}</table>", rows=ROWS)
