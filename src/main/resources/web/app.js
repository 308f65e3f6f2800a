// The AltDiffusion web page: talks to this server's job API (/api/v1/jobs) and its
// AUTOMATIC1111 API (/sdapi/v1/...). Plain browser JavaScript, no libraries.
"use strict";

const $ = (id) => document.getElementById(id);
const POLL_MS = 150;
/** Pictures kept in this browser across reloads (newest first), at most this many ... */
const HISTORY_KEY = "altdiffusion-history";
const HISTORY_MAX = 40;
/** ... and at most this many characters (browsers give a page about 5 million). */
const HISTORY_MAX_CHARS = 3000000;
/** Pictures smaller than this (CSS pixels) are enlarged with crisp pixels, not blurred. */
const SMALL_PICTURE = 256;
let currentJob = null;
/** The starting picture as a data: URL (img2img), or null (txt2img). */
let initImage = null;
/** True once the user set the size: the model's default size no longer replaces it. */
let sizeTouched = false;

class ApiError extends Error {}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const token = sessionStorage.getItem("altdiffusion-token");
  if (token) headers["Authorization"] = "Bearer " + token;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.status === 401) $("auth").hidden = false;
  if (!response.ok) {
    const msg = data && data.detail ? data.detail : response.status + " " + response.statusText;
    throw new ApiError(msg);
  }
  return data;
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

function base64ToBlob(b64, type) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

/** Example buttons: prompts the current model knows (from the server: its own or generic ones). */
function showExamples(examples) {
  const box = $("examples");
  box.replaceChildren();
  examples.forEach((e, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = e.lang || "example " + (i + 1);
    b.title = e.prompt;
    if (e.lang) { b.dataset.lang = e.lang; b.lang = e.lang; }
    b.addEventListener("click", () => { $("prompt").value = e.prompt; $("prompt").focus(); });
    box.appendChild(b);
  });
}

/**
 * The current model's example prompts and default size; the size is known once the model has
 * loaded, so this asks again until then. With {@code force} the size replaces what the user set
 * (after a model switch).
 */
async function loadModelDefaults(force = false, attempt = 0) {
  let m;
  try {
    m = await api("/api/v1/model");
  } catch (e) {
    if (attempt < 30) setTimeout(() => loadModelDefaults(force, attempt + 1), 2000);
    return;
  }
  showExamples(m.examples || []);
  if (m.default_width == null || m.default_height == null) {
    if (attempt < 120) setTimeout(() => loadModelDefaults(force, attempt + 1), 1000);
    return;
  }
  $("width").placeholder = m.default_width;
  $("height").placeholder = m.default_height;
  if (force || !sizeTouched) {
    $("width").value = m.default_width;
    $("height").value = m.default_height;
  }
}

async function loadModelInfo() {
  try {
    const [options, models] = await Promise.all([api("/sdapi/v1/options"), api("/sdapi/v1/sd-models")]);
    const select = $("model");
    select.replaceChildren();
    for (const m of models) {
      const o = document.createElement("option");
      o.value = m.title;
      o.textContent = m.model_name;
      o.selected = m.title === options.sd_model_checkpoint;
      select.appendChild(o);
    }
    await Promise.all([loadSamplers(), loadModelDefaults()]);
  } catch (e) {
    showError(e.message);
  }
}

async function loadSamplers(attempt = 0) {
  try {
    const samplers = await api("/sdapi/v1/samplers");
    const select = $("sampler");
    select.replaceChildren(new Option("model default", ""));
    for (const s of samplers) select.appendChild(new Option(s.name, s.name));
  } catch (e) {
    if (attempt < 30) setTimeout(() => loadSamplers(attempt + 1), 2000); // the model may still be loading
  }
}

async function switchModel() {
  const title = $("model").value;
  showError("");
  $("status").textContent = "loading " + title + "…";
  try {
    await api("/sdapi/v1/options", { method: "POST", body: JSON.stringify({ sd_model_checkpoint: title }) });
    $("status").textContent = "model " + title;
    sizeTouched = false;
    await Promise.all([loadSamplers(), loadModelDefaults(true)]);
  } catch (e) {
    showError(e.message);
  }
}

function request() {
  const body = {
    prompt: $("prompt").value,
    negative_prompt: $("negative").value,
    steps: Number($("steps").value),
    cfg_scale: Number($("cfg").value),
    seed: Number($("seed").value),
    batch_size: Number($("batch").value),
    n_iter: Number($("n_iter").value),
  };
  // an empty size is the model's own
  if ($("width").value !== "") body.width = Number($("width").value);
  if ($("height").value !== "") body.height = Number($("height").value);
  if ($("sampler").value) body.sampler_name = $("sampler").value;
  if (initImage) {
    body.init_images = [initImage];
    body.denoising_strength = Number($("strength").value);
    Object.assign(body, inpaintFields());
  }
  const unit = controlNetUnit();
  if (unit) body.alwayson_scripts = { controlnet: { args: [unit] } };
  return body;
}

function setBusy(busy) {
  $("generate").disabled = busy;
  $("cancel").disabled = !busy;
}

async function generate(event) {
  event.preventDefault();
  // a new run: nothing of the last one (its error, its state) stays on screen
  showError("");
  $("status").textContent = "";
  setBusy(true);
  $("progress").value = 0;
  $("preview").hidden = true;
  try {
    const path = initImage ? "/api/v1/jobs/img2img" : "/api/v1/jobs";
    const job = await api(path, { method: "POST", body: JSON.stringify(request()) });
    currentJob = job.id;
    $("status").textContent = job.position > 0 ? "queued (#" + job.position + ")" : "starting";
    await follow(job.id);
  } catch (e) {
    showError(e.message);
  } finally {
    currentJob = null;
    setBusy(false);
  }
}

async function follow(id) {
  for (;;) {
    const s = await api("/api/v1/jobs/" + id + "?preview=true");
    $("progress").value = Math.round(s.progress * 100);
    if (s.status === "queued") $("status").textContent = "queued (#" + s.position + ")";
    else if (s.status === "running") $("status").textContent = "step " + s.step + "/" + s.steps + (s.batches > 1 ? ", batch " + (s.batch + 1) + "/" + s.batches : "");
    if (s.preview) {
      const preview = $("preview");
      preview.onload = () => markSmall(preview);
      preview.src = "data:image/png;base64," + s.preview;
      preview.hidden = false;
    }
    if (s.status === "succeeded" || s.status === "interrupted") {
      const result = await api("/api/v1/jobs/" + id + "/result");
      $("progress").value = 100;
      $("status").textContent = s.status === "interrupted" ? "interrupted" : "done";
      $("preview").hidden = true; // the pictures are in the gallery now
      addToGallery(result);
      showInpaintResult(result);
      return;
    }
    if (s.status === "cancelled") { $("status").textContent = "cancelled"; $("preview").hidden = true; return; }
    if (s.status === "failed") throw new ApiError(s.error ? s.error.detail : "generation failed");
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Adds a finished job's pictures to the gallery and to the history kept in this browser. */
function addToGallery(result) {
  const info = JSON.parse(result.info);
  const entries = result.images.map((png, i) => ({
    png,
    seed: info.all_seeds[i],
    prompt: (info.all_prompts && info.all_prompts[i]) || info.prompt,
    negative: (info.all_negative_prompts && info.all_negative_prompts[i]) || info.negative_prompt || "",
    infotext: info.infotexts[i] || "",
    width: info.width,
    height: info.height,
  }));
  // Newest first, each job's pictures in seed order.
  for (let i = entries.length - 1; i >= 0; i--) $("gallery").prepend(figure(entries[i]));
  saveHistory(entries.concat(loadHistory()));
}

/** One gallery picture: the image (click to enlarge), download, reuse seed, send to img2img. */
function figure(entry) {
  const dataUrl = "data:image/png;base64," + entry.png;
  const fig = document.createElement("figure");
  const img = document.createElement("img");
  img.alt = entry.prompt;
  img.title = "click to enlarge";
  img.className = "zoomable";
  img.onload = () => markSmall(img);
  img.src = dataUrl; // the server's PNG, parameters chunk included
  img.addEventListener("click", () => zoom(dataUrl, entry.prompt));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(base64ToBlob(entry.png, "image/png"));
  link.download = "altdiffusion-" + entry.seed + ".png";
  link.textContent = "Download PNG (seed " + entry.seed + ")";
  link.className = "download";
  const reuse = document.createElement("button");
  reuse.type = "button";
  reuse.className = "reuse-seed";
  reuse.textContent = "Reuse seed";
  reuse.title = "put seed " + entry.seed + " in the Seed field";
  reuse.addEventListener("click", () => { $("seed").value = entry.seed; });
  const send = document.createElement("button");
  send.type = "button";
  send.className = "send-img2img";
  send.textContent = "Send to img2img";
  send.title = "start the next picture from this one, with its prompt";
  send.addEventListener("click", () => sendToImg2Img(entry, dataUrl));
  const tools = document.createElement("div");
  tools.className = "tools";
  tools.append(link, reuse, send);
  const caption = document.createElement("figcaption");
  caption.dir = "auto";
  caption.textContent = entry.infotext;
  fig.append(img, tools, caption);
  return fig;
}

/** Small pictures are shown enlarged with crisp pixels (image-rendering: pixelated). */
function markSmall(img) {
  img.classList.toggle("small", img.naturalWidth > 0 && img.naturalWidth < SMALL_PICTURE && img.naturalHeight < SMALL_PICTURE);
}

function zoom(src, alt) {
  const big = $("zoom-img");
  big.onload = () => markSmall(big);
  big.src = src;
  big.alt = alt;
  $("zoom").hidden = false;
}

function closeZoom() {
  $("zoom").hidden = true;
  $("zoom-img").removeAttribute("src");
}

function sendToImg2Img(entry, dataUrl) {
  $("prompt").value = entry.prompt;
  $("negative").value = entry.negative;
  useInitImage(dataUrl);
  $("init-chosen").scrollIntoView({ block: "nearest" });
}

function loadHistory() {
  try {
    const h = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
    return Array.isArray(h) ? h.filter((e) => e && typeof e.png === "string").slice(0, HISTORY_MAX) : [];
  } catch (e) {
    return [];
  }
}

/** Keeps the newest pictures that fit the bounds; the oldest go first when the browser is full. */
function saveHistory(entries) {
  let kept = entries.slice(0, HISTORY_MAX);
  while (kept.length > 0 && JSON.stringify(kept).length > HISTORY_MAX_CHARS) kept = kept.slice(0, -1);
  for (;;) {
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(kept));
      break;
    } catch (e) { // quota exceeded (or storage off): keep fewer
      if (kept.length === 0) break;
      kept = kept.slice(0, Math.floor(kept.length / 2));
    }
  }
  const dropped = entries.length - kept.length;
  $("history-note").textContent = dropped > 0 ? "This browser keeps the newest " + kept.length + " pictures; older ones are not kept after a reload." : "";
  $("history-note").hidden = dropped <= 0;
}

function showHistory() {
  const gallery = $("gallery");
  gallery.replaceChildren();
  for (const entry of loadHistory()) gallery.appendChild(figure(entry));
}

function clearHistory() {
  localStorage.removeItem(HISTORY_KEY);
  $("gallery").replaceChildren();
  $("history-note").hidden = true;
}

async function cancel() {
  if (!currentJob) return;
  try {
    await api("/api/v1/jobs/" + currentJob, { method: "DELETE" });
  } catch (e) {
    showError(e.message);
  }
}

function readDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** Uses {@code file} as the starting picture; width and height follow its size (multiples of 8). */
async function setInitImage(file) {
  showError("");
  useInitImage(await readDataUrl(file));
}

/** Uses the picture at {@code dataUrl} as the starting picture; the size follows it. */
function useInitImage(dataUrl) {
  const img = new Image();
  img.onload = () => {
    const max = Number($("width").max) || 2048;
    const scale = Math.min(1, max / Math.max(img.naturalWidth, img.naturalHeight));
    $("width").value = Math.max(8, Math.floor(img.naturalWidth * scale / 8) * 8);
    $("height").value = Math.max(8, Math.floor(img.naturalHeight * scale / 8) * 8);
    sizeTouched = true;
    initImage = dataUrl;
    $("init-preview").src = dataUrl;
    $("init-chosen").hidden = false;
    showMaskEditor(img);
  };
  img.onerror = () => showError("this file is not a picture the browser can read; use PNG, JPEG, BMP or GIF");
  img.src = dataUrl;
}

function clearInitImage() {
  initImage = null;
  $("init-chosen").hidden = true;
  $("init-preview").removeAttribute("src");
  $("init-file").value = "";
  $("inpaint").hidden = true;
}

function setupInitImage() {
  const zone = $("init-drop");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer.files.length) setInitImage(e.dataTransfer.files[0]);
  });
  $("init-file").addEventListener("change", (e) => {
    if (e.target.files.length) setInitImage(e.target.files[0]);
  });
  $("strength").addEventListener("input", () => { $("strength-value").textContent = Number($("strength").value).toFixed(2); });
  $("init-clear").addEventListener("click", clearInitImage);
}

async function showPngInfo(file) {
  const out = $("pnginfo-info");
  const table = $("pnginfo-params");
  out.textContent = ""; // no answer of an earlier file stays
  table.replaceChildren();
  const dataUrl = await readDataUrl(file);
  try {
    const info = await api("/sdapi/v1/png-info", { method: "POST", body: JSON.stringify({ image: dataUrl }) });
    out.textContent = info.info || "(no generation parameters in this image)";
    for (const [k, v] of Object.entries(info.parameters || {})) {
      const row = table.insertRow();
      row.insertCell().textContent = k;
      const cell = row.insertCell();
      cell.textContent = String(v);
      cell.dir = "auto";
    }
  } catch (e) {
    out.textContent = "error: " + e.message;
  }
}

function setupDropZone() {
  const zone = $("dropzone");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer.files.length) showPngInfo(e.dataTransfer.files[0]);
  });
  $("pnginfo-file").addEventListener("change", (e) => {
    if (e.target.files.length) showPngInfo(e.target.files[0]);
  });
}

function setupAuth() {
  $("token-save").addEventListener("click", () => {
    sessionStorage.setItem("altdiffusion-token", $("token").value.trim());
    $("auth").hidden = true;
    showError(""); // the 401's message is answered now
    loadModelInfo();
  });
}

function setupGallery() {
  $("history-clear").addEventListener("click", clearHistory);
  $("zoom").addEventListener("click", closeZoom);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("zoom").hidden) closeZoom(); });
  for (const id of ["width", "height"]) $(id).addEventListener("input", () => { sizeTouched = true; });
  showHistory();
}

// ---- Inpainting: a mask painted over the starting picture, sent as A1111's img2img "mask" ----

/** Whether the last run sent a mask (its result is then shown beside the picture). */
let maskSent = false;

/** The mask canvas at the picture's own size, cleared, over a copy of the picture. */
function showMaskEditor(img) {
  const canvas = $("mask-canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  $("mask-base").src = img.src;
  $("inpaint-result-box").hidden = true;
  $("inpaint").hidden = false;
  updateMaskState();
}

function maskContext() {
  return $("mask-canvas").getContext("2d", { willReadFrequently: true });
}

/** How many mask pixels repaint (alpha > 128, as A1111 reads a painted layer). */
function maskedPixels() {
  const canvas = $("mask-canvas");
  if (!canvas.width) return 0;
  const a = maskContext().getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < a.length; i += 4) if (a[i] > 128) n++;
  return n;
}

function updateMaskState() {
  const n = maskedPixels();
  $("mask-state").textContent = n === 0 ? "no mask: plain img2img" : n + " pixels to repaint";
}

/** A stroke segment from (x0, y0) to (x1, y1) in picture pixels: paint, or erase. */
function paintSegment(x0, y0, x1, y1) {
  const ctx = maskContext();
  ctx.globalCompositeOperation = $("mask-eraser").checked ? "destination-out" : "source-over";
  ctx.strokeStyle = "#fff";
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.lineWidth = Number($("mask-brush").value);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

/** A pointer position in the canvas's picture pixels (the canvas is shown scaled). */
function maskPoint(event) {
  const canvas = $("mask-canvas");
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
}

function invertMask() {
  const canvas = $("mask-canvas");
  const ctx = maskContext();
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) { d[i] = d[i + 1] = d[i + 2] = 255; d[i + 3] = 255 - d[i + 3]; }
  ctx.putImageData(image, 0, 0);
  updateMaskState();
}

/** The mask as A1111 takes it: a black and white PNG (white repaints) as base64. */
function maskPng() {
  const src = $("mask-canvas");
  const out = document.createElement("canvas");
  out.width = src.width;
  out.height = src.height;
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(src, 0, 0);
  return out.toDataURL("image/png").split(",")[1];
}

/** img2img's inpainting fields, or none when nothing is painted (plain img2img). */
function inpaintFields() {
  maskSent = !$("inpaint").hidden && maskedPixels() > 0;
  if (!maskSent) return {};
  return {
    mask: maskPng(),
    mask_blur: Number($("mask-blur").value),
    inpainting_fill: Number($("inpainting-fill").value),
    inpaint_full_res: $("inpaint-full-res").checked,
    inpaint_full_res_padding: Number($("inpaint-padding").value),
  };
}

/** The inpainted picture beside the original it was painted on. */
function showInpaintResult(result) {
  if (!maskSent || !result.images.length) return;
  $("inpaint-result").src = "data:image/png;base64," + result.images[0];
  $("inpaint-result-box").hidden = false;
}

function setupInpainting() {
  const canvas = $("mask-canvas");
  let last = null;
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = maskPoint(e);
    paintSegment(last[0], last[1], last[0], last[1]);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = maskPoint(e);
    paintSegment(last[0], last[1], p[0], p[1]);
    last = p;
  });
  const end = () => { if (last) { last = null; updateMaskState(); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  $("mask-brush").addEventListener("input", () => { $("mask-brush-value").textContent = $("mask-brush").value; });
  $("mask-clear").addEventListener("click", () => {
    maskContext().clearRect(0, 0, canvas.width, canvas.height);
    updateMaskState();
  });
  $("mask-invert").addEventListener("click", invertMask);
}

// ---- end of Inpainting ----
// ---- LoRA picker ---------------------------------------------------------------------------
// The server's LoRAs (GET /sdapi/v1/loras) as buttons; a click puts <lora:NAME:WEIGHT> in the
// prompt (A1111's syntax), or sets the weight of that LoRA's tag when the prompt has one.

/** The prompt with the tag of {@code name} at {@code weight}: replaced when there, else added. */
function withLoraTag(prompt, name, weight) {
  const tag = "<lora:" + name + ":" + weight + ">";
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const existing = new RegExp("<lora:\\s*" + escaped + "\\s*(:[^>]*)?>");
  if (existing.test(prompt)) return prompt.replace(existing, tag);
  return prompt + (prompt === "" || /\s$/.test(prompt) ? "" : " ") + tag;
}

function showLoras(loras) {
  const box = $("loras");
  box.replaceChildren();
  $("lora-none").hidden = loras.length > 0;
  for (const l of loras) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = l.name;
    b.dataset.lora = l.name;
    b.title = (l.alias && l.alias !== l.name ? l.alias + " - " : "") + l.path;
    b.addEventListener("click", () => {
      const weight = Number($("lora-weight").value);
      if (!Number.isFinite(weight)) { showError("the LoRA weight must be a number"); return; }
      $("prompt").value = withLoraTag($("prompt").value, l.name, weight);
      $("prompt").focus();
    });
    box.appendChild(b);
  }
}

async function loadLoras(refresh = false) {
  try {
    if (refresh) await api("/sdapi/v1/refresh-loras", { method: "POST" });
    showLoras(await api("/sdapi/v1/loras"));
  } catch (e) {
    showError("LoRAs: " + e.message);
  }
}

function setupLoraPicker() {
  $("lora-refresh").addEventListener("click", () => loadLoras(true));
  loadLoras();
}

// ---- end of the LoRA picker ----------------------------------------------------------------

// ---- ControlNet: one sd-webui-controlnet unit (alwayson_scripts.controlnet), its map via detect ----

/** The control picture as a data: URL, or null (no ControlNet). */
let controlImage = null;
/** /controlnet/module_list's module_detail: the sliders of each preprocessor. */
let moduleDetail = {};

/** The data: URL's base64 part (the extension's API takes plain base64). */
function base64Of(dataUrl) {
  return dataUrl.substring(dataUrl.indexOf(",") + 1);
}

/** The sliders of the chosen preprocessor: resolution, then threshold a and b. */
function showModuleSliders() {
  const box = $("cn-sliders");
  box.replaceChildren();
  const detail = moduleDetail[$("cn-module").value] || { sliders: [] };
  const thresholds = ["threshold_a", "threshold_b"];
  detail.sliders.forEach((s) => {
    const label = document.createElement("label");
    label.textContent = s.name + " ";
    const input = document.createElement("input");
    input.type = "number";
    input.min = s.min; input.max = s.max; input.step = s.step; input.value = s.value;
    input.dataset.field = s.name === "Resolution" ? "processor_res" : thresholds.shift();
    label.appendChild(input);
    box.appendChild(label);
  });
  $("cn-map").hidden = true;
}

/** The slider values as the unit's fields (processor_res, threshold_a, threshold_b). */
function sliderFields() {
  const out = {};
  $("cn-sliders").querySelectorAll("input").forEach((i) => { out[i.dataset.field] = Number(i.value); });
  return out;
}

/** The unit the page sends: an A1111 ControlNet-extension unit (or null without a picture). */
function controlNetUnit() {
  if (!controlImage) return null;
  return Object.assign({
    enabled: true,
    image: base64Of(controlImage),
    module: $("cn-module").value,
    model: $("cn-model").value,
    weight: Number($("cn-weight").value),
    guidance_start: Number($("cn-start").value),
    guidance_end: Number($("cn-end").value),
    control_mode: Number($("cn-control-mode").value),
    resize_mode: Number($("cn-resize-mode").value),
    pixel_perfect: $("cn-pixel-perfect").checked,
  }, sliderFields());
}

/** The preprocessor's map of the control picture, from /controlnet/detect. */
async function detectMap() {
  if (!controlImage) return;
  showError("");
  const f = sliderFields();
  const body = { controlnet_module: $("cn-module").value, controlnet_input_images: [base64Of(controlImage)] };
  if (f.processor_res !== undefined) body.controlnet_processor_res = f.processor_res;
  if (f.threshold_a !== undefined) body.controlnet_threshold_a = f.threshold_a;
  if (f.threshold_b !== undefined) body.controlnet_threshold_b = f.threshold_b;
  try {
    const r = await api("/controlnet/detect", { method: "POST", body: JSON.stringify(body) });
    const map = $("cn-map");
    map.src = "data:image/png;base64," + r.images[0];
    map.hidden = false;
  } catch (e) {
    showError("ControlNet map: " + e.message);
  }
}

async function setControlImage(file) {
  showError("");
  controlImage = await readDataUrl(file);
  $("cn-preview").src = controlImage;
  $("cn-chosen").hidden = false;
  $("cn-map").hidden = true;
}

function clearControlImage() {
  controlImage = null;
  $("cn-chosen").hidden = true;
  $("cn-preview").removeAttribute("src");
  $("cn-map").removeAttribute("src");
  $("cn-file").value = "";
}

async function loadControlNets() {
  try {
    const modules = await api("/controlnet/module_list");
    moduleDetail = modules.module_detail || {};
    $("cn-module").replaceChildren(...modules.module_list.map((m) => new Option(m, m)));
    showModuleSliders();
    const models = await api("/controlnet/model_list");
    $("cn-model").replaceChildren(...models.model_list.map((m) => new Option(m, m)));
    $("cn-none").hidden = models.model_list.length > 0;
  } catch (e) {
    showError("ControlNet: " + e.message);
  }
}

function setupControlNet() {
  const zone = $("cn-drop");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer.files.length) setControlImage(e.dataTransfer.files[0]);
  });
  $("cn-file").addEventListener("change", (e) => {
    if (e.target.files.length) setControlImage(e.target.files[0]);
  });
  $("cn-module").addEventListener("change", showModuleSliders);
  $("cn-detect").addEventListener("click", detectMap);
  $("cn-clear").addEventListener("click", clearControlImage);
  loadControlNets();
}

// ---- end of ControlNet ----------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  setupGallery();
  setupDropZone();
  setupInitImage();
  setupInpainting();
  setupAuth();
  setupLoraPicker();
  setupControlNet();
  $("form").addEventListener("submit", generate);
  $("cancel").addEventListener("click", cancel);
  $("model").addEventListener("change", switchModel);
  loadModelInfo();
});
