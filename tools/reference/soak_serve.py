"""A bounded mixed-load soak of `altdiffusion serve` on the built-in models (Python stdlib only).

Starts the server (target/altdiffusion.jar, built by ./altdiffusion or mvn package), then for
--minutes runs --clients client threads, each picking one action at a time at random: txt2img and
img2img (sync, some with hires fix, variation seeds, styles, tiling, batches), the job API (submit,
poll, result; some cancelled with DELETE), interrupt and skip of running jobs, model switches,
OpenAI generations/edits/variations and /v1/models, listings, progress, png-info, and bad requests
(each must get its 4xx). Every client waits for its answer before the next action, so no more jobs
than clients are ever queued and a 503 (queue full) is not expected either.

It reports requests per kind, status codes, lost requests (no HTTP answer, or a job that never
reached a final state: must be 0), 5xx answers (must be 0), answers of an unexpected status, and
the server's RSS sampled every --rss-every seconds with its slope (MB/min, least squares over the
whole run and over the run after the first 5 minutes). Exits 1 when anything was lost, any 5xx or
unexpected status was seen. Figures: docs/serving.md.

    nice -n 10 python3 tools/reference/soak_serve.py --minutes 30 --out /tmp/soak.json
"""
import argparse, base64, http.client, json, os, random, socket, struct, subprocess, sys
import tempfile, threading, time, zlib
from collections import Counter, defaultdict

ap = argparse.ArgumentParser()
ap.add_argument("--minutes", type=float, default=30)
ap.add_argument("--clients", type=int, default=3)
ap.add_argument("--jar", default="target/altdiffusion.jar")
ap.add_argument("--models", default="models", help="the models folder (the built-in models)")
ap.add_argument("--java-opts", default="-Xmx2g -Xss8m")
ap.add_argument("--rss-every", type=float, default=10)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--out", default=None, help="also write the figures here as JSON")
a = ap.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def png(w, h, rgb):
    """A w x h PNG of one colour (stdlib: zlib + struct)."""
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def png_rgba(w, h, alpha_hole):
    """A w x h RGBA PNG, opaque except a transparent square (OpenAI's edit mask)."""
    rows = []
    for y in range(h):
        row = b""
        for x in range(w):
            hole = alpha_hole[0] <= x < alpha_hole[1] and alpha_hole[0] <= y < alpha_hole[1]
            row += bytes((0, 0, 0, 0 if hole else 255))
        rows.append(b"\x00" + row)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


INIT = base64.b64encode(png(64, 64, (200, 40, 40))).decode()
INIT_PNG = png(64, 64, (40, 40, 200))
MASK_PNG = png_rgba(64, 64, (16, 48))

styles = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
styles.write('name,prompt,negative_prompt\nsoak,"{prompt}, red",blurry\nplain,circle,\n')
styles.close()
out_dir = tempfile.mkdtemp(prefix="soak-out-")
port = free_port()
cmd = ["java"] + a.java_opts.split() + ["-jar", a.jar, "serve", "--port", str(port), "--models", a.models,
                                        "--queue", "8", "--styles", styles.name, "--output", out_dir]
server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(out_dir + "/server.log", "w"))


def request(method, path, body=None, ctype="application/json", timeout=600):
    """(status, parsed JSON or raw bytes); status None when no answer came (lost)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        headers = {"Content-Type": ctype} if data is not None else {}
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        raw = r.read()
        try:
            return r.status, json.loads(raw) if raw else None
        except ValueError:
            return r.status, raw
    except (OSError, http.client.HTTPException) as e:
        return None, repr(e)
    finally:
        c.close()


for _ in range(600):  # wait for the server and its first model
    s, m = request("GET", "/sdapi/v1/sd-models", timeout=5)
    if s == 200:
        break
    time.sleep(0.5)
else:
    sys.exit("server did not start; see " + out_dir + "/server.log")
MODELS = [m["title"] for m in m if m["title"] in ("altdiffusion-tiny", "english-base")] or [m[0]["title"]]
while request("GET", "/sdapi/v1/samplers", timeout=5)[0] != 200:
    time.sleep(0.5)

lock = threading.Lock()
counts = defaultdict(Counter)  # kind -> status -> n
lost = []
unexpected = []
stop_at = time.time() + a.minutes * 60


def record(kind, status, expected, detail=None):
    with lock:
        counts[kind][status if status is not None else "lost"] += 1
        if status is None:
            lost.append((kind, detail))
        elif status not in expected:
            unexpected.append((kind, status, str(detail)[:300]))


def call(kind, method, path, body=None, expected=(200,), ctype="application/json"):
    s, m = request(method, path, body, ctype)
    record(kind, s, expected, m)
    return s, m


def gen_fields(rnd):
    f = {"prompt": rnd.choice(["a red circle", "ein blauer Kreis", "一个绿色的方块"]),
         "steps": rnd.randint(3, 8), "width": 64, "height": 64, "seed": rnd.randint(0, 10**6)}
    x = rnd.random()
    if x < 0.08:
        f.update(enable_hr=True, hr_scale=2, hr_second_pass_steps=3, denoising_strength=0.6)
    elif x < 0.15:
        f.update(enable_hr=True, hr_resize_x=96, hr_resize_y=rnd.choice([0, 64]),
                 hr_second_pass_steps=3, hr_prompt="a blue square", hr_negative_prompt="",
                 **rnd.choice([{}, {"hr_sampler_name": "Use same sampler"},
                               {"hr_sampler_name": "Euler", "hr_scheduler": "Karras"}]))
    elif x < 0.3:
        f.update(subseed=rnd.randint(0, 10**6), subseed_strength=0.3)
    elif x < 0.4:
        f.update(styles=["soak"])
    elif x < 0.45:
        f.update(tiling=True)
    elif x < 0.55:
        f.update(batch_size=2, n_iter=2, steps=3)
    return f


def txt2img(rnd):
    call("txt2img", "POST", "/sdapi/v1/txt2img", gen_fields(rnd))


def img2img(rnd):
    f = gen_fields(rnd)
    for k in ("enable_hr", "hr_scale", "hr_second_pass_steps"):
        f.pop(k, None)
    f.update(init_images=[INIT], denoising_strength=0.6)
    call("img2img", "POST", "/sdapi/v1/img2img", f)


def job_api(rnd, cancel=False):
    kind = "job-cancel" if cancel else "job"
    body = gen_fields(rnd)
    if cancel:
        body["steps"] = 40
    s, j = call(kind, "POST", "/api/v1/jobs", body, expected=(202,))
    if s != 202:
        return
    jid = j["id"]
    if cancel:
        time.sleep(rnd.uniform(0, 1.5))
        call(kind, "DELETE", "/api/v1/jobs/" + jid, expected=(200, 202))
    deadline = time.time() + 600
    while time.time() < deadline:
        s, st = call(kind, "GET", "/api/v1/jobs/" + jid + ("?preview=true" if rnd.random() < 0.3 else ""))
        if s != 200:
            return
        if st["status"] not in ("queued", "running"):
            call(kind, "GET", "/api/v1/jobs/" + jid + "/result",
                 expected=(410,) if st["status"] == "cancelled" else (200,))
            return
        time.sleep(0.5)
    with lock:
        lost.append((kind, "job " + jid + " never finished"))


def interrupt(rnd):
    """A long txt2img, interrupted (or skipped) once it runs; it must still answer 200."""
    res = {}
    path = rnd.choice(["/sdapi/v1/interrupt", "/sdapi/v1/skip"])
    kind = "interrupt" if path.endswith("interrupt") else "skip"
    t = threading.Thread(target=lambda: res.update(r=call(kind, "POST", "/sdapi/v1/txt2img",
                                                          {"prompt": "long", "steps": 60, "width": 64,
                                                           "height": 64, "n_iter": 2})))
    t.start()
    for _ in range(100):
        s, p = call("progress", "GET", "/sdapi/v1/progress?skip_current_image=true")
        if s == 200 and p["state"]["sampling_step"] > 0:
            break
        time.sleep(0.1)
    call(kind, "POST", path)
    t.join(600)


def switch_model(rnd):
    call("model-switch", "POST", "/sdapi/v1/options", {"sd_model_checkpoint": rnd.choice(MODELS)})


def openai(rnd):
    x = rnd.random()
    if x < 0.5:
        call("openai-generate", "POST", "/v1/images/generations",
             {"prompt": "a red circle", "size": "64x64", "n": rnd.randint(1, 2), "steps": 4,
              "response_format": rnd.choice(["b64_json", "url"]), "styles": ["soak"],
              "subseed": rnd.randint(0, 1000), "subseed_strength": 0.2})
    else:
        kind = "openai-edit" if x < 0.75 else "openai-variation"
        b = "soakboundary"
        parts = [("image", "i.png", INIT_PNG), ("n", None, b"1"), ("size", None, b"64x64"),
                 ("steps", None, b"4")]
        if kind == "openai-edit":
            parts += [("prompt", None, b"a blue square"), ("mask", "m.png", MASK_PNG)]
        body = b""
        for name, fn, data in parts:
            disp = f'form-data; name="{name}"' + (f'; filename="{fn}"' if fn else "")
            body += (f"--{b}\r\nContent-Disposition: {disp}\r\n"
                     + ("Content-Type: image/png\r\n" if fn else "") + "\r\n").encode() + data + b"\r\n"
        body += f"--{b}--\r\n".encode()
        path = "/v1/images/edits" if kind == "openai-edit" else "/v1/images/variations"
        call(kind, "POST", path, body, ctype="multipart/form-data; boundary=" + b)


BAD = [  # (path, method, body, content type, expected statuses)
    ("/sdapi/v1/txt2img", "POST", b"{not json", "application/json", (400,)),
    ("/sdapi/v1/txt2img", "POST", {"steps": "many"}, "application/json", (422,)),
    ("/sdapi/v1/txt2img", "POST", {"width": 63}, "application/json", (422,)),
    ("/sdapi/v1/txt2img", "POST", {"sampler_name": "No Such"}, "application/json", (404,)),
    ("/sdapi/v1/txt2img", "POST", {"styles": ["missing"]}, "application/json", (422,)),
    ("/sdapi/v1/txt2img", "POST", {"restore_faces": True}, "application/json", (422,)),
    ("/sdapi/v1/txt2img", "POST", b"prompt=x", "application/x-www-form-urlencoded", (415,)),
    ("/sdapi/v1/img2img", "POST", {"init_images": ["bm90IGFuIGltYWdl"]}, "application/json", (422,)),
    ("/sdapi/v1/options", "POST", {"sd_model_checkpoint": "nope"}, "application/json", (404,)),
    ("/api/v1/jobs/0123456789abcdef0123456789abcdef", "GET", None, None, (404,)),
    ("/sdapi/v1/nothing", "GET", None, None, (404,)),
    ("/sdapi/v1/txt2img", "GET", None, None, (405,)),
    ("/v1/images/generations", "POST", {"prompt": "x", "size": "65x64"}, "application/json", (400,)),
    ("/v1/images/generations", "POST", {"prompt": "x", "n": 99}, "application/json", (400,)),
    ("/v1/images/generations", "POST", {"prompt": "x", "styles": ["nope"]}, "application/json", (400,)),
    ("/v1/images/edits", "POST", b"--x\r\n", "multipart/form-data; boundary=x", (400,)),
]


def bad(rnd):
    path, method, body, ctype, expected = rnd.choice(BAD)
    call("bad-request", method, path, body, expected, ctype or "application/json")


def reads(rnd):
    path = rnd.choice(["/sdapi/v1/sd-models", "/sdapi/v1/options", "/api/v1/status", "/v1/models",
                       "/sdapi/v1/prompt-styles", "/sdapi/v1/upscalers", "/sdapi/v1/memory",
                       "/api/v1/model", "/openapi.json", "/"])
    call("read", "GET", path)
    if rnd.random() < 0.2:
        call("png-info", "POST", "/sdapi/v1/png-info", {"image": INIT})


ACTIONS = [(txt2img, 20), (img2img, 12), (job_api, 12), (lambda r: job_api(r, True), 6),
           (interrupt, 5), (switch_model, 2), (openai, 12), (bad, 15), (reads, 16)]


def client(i):
    rnd = random.Random(a.seed * 1000 + i)
    fns, weights = zip(*ACTIONS)
    while time.time() < stop_at:
        rnd.choices(fns, weights)[0](rnd)


def rss_mb():
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def slope(samples):
    """Least-squares slope of (minute, MB)."""
    n = len(samples)
    if n < 2:
        return float("nan")
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    sxx = sum((t - mx) ** 2 for t, _ in samples)
    return sum((t - mx) * (v - my) for t, v in samples) / sxx


started = time.time()
threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(a.clients)]
for t in threads:
    t.start()
rss = []
while any(t.is_alive() for t in threads):
    rss.append(((time.time() - started) / 60, rss_mb()))
    time.sleep(a.rss_every)
for t in threads:
    t.join()
elapsed = (time.time() - started) / 60
rss.append((elapsed, rss_mb()))
server.terminate()
server.wait(60)

total = sum(sum(c.values()) for c in counts.values())
five_xx = sum(n for c in counts.values() for s, n in c.items() if isinstance(s, int) and s >= 500)
late = [(t, v) for t, v in rss if t >= 5]
report = {
    "minutes": round(elapsed, 2), "clients": a.clients, "java_opts": a.java_opts,
    "requests": total, "requests_per_minute": round(total / elapsed, 1),
    "per_kind": {k: dict(sorted((str(s), n) for s, n in c.items())) for k, c in sorted(counts.items())},
    "lost": len(lost), "lost_detail": lost[:20], "5xx": five_xx,
    "unexpected": len(unexpected), "unexpected_detail": unexpected[:20],
    "rss_mb": {"first": round(rss[0][1]), "last": round(rss[-1][1]),
               "max": round(max(v for _, v in rss)), "samples": len(rss),
               "slope_mb_per_min": round(slope(rss), 2),
               "slope_after_5_min_mb_per_min": round(slope(late), 2) if len(late) > 1 else None},
}
print(json.dumps(report, indent=1, ensure_ascii=False))
if a.out:
    with open(a.out, "w") as f:
        json.dump(dict(report, rss_samples=[(round(t, 2), round(v, 1)) for t, v in rss]), f, indent=1)
sys.exit(1 if lost or five_xx or unexpected else 0)
