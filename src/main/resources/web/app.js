// The AltDiffusion web page: talks to this server's job API (/api/v1/jobs) and its
// AUTOMATIC1111 API (/sdapi/v1/...). Plain browser JavaScript, no libraries.
"use strict";

// One example per language of AltDiffusion m18.
const EXAMPLES = [
  ["zh", "一只在月光下弹钢琴的猫，油画"],
  ["ja", "桜の木の下で眠る白い猫、水彩画"],
  ["ko", "눈 덮인 산 위의 작은 오두막, 유화"],
  ["ar", "قلعة قديمة في الصحراء عند غروب الشمس"],
  ["hi", "हिमालय के ऊपर उगता सूरज, जलरंग चित्र"],
  ["ru", "Старый маяк на скале во время шторма, масляная живопись"],
  ["fr", "Un café parisien sous la pluie, peinture impressionniste"],
  ["es", "Un jardín de cactus bajo un cielo estrellado"],
  ["de", "Ein Fuchs im verschneiten Wald, Aquarell"],
  ["th", "วัดทองบนภูเขาท่ามกลางหมอกยามเช้า"],
  ["it", "Una gondola a Venezia al tramonto, pittura a olio"],
  ["pt", "Um farol na costa ao entardecer, aquarela"],
  ["tr", "Gün batımında İstanbul'da bir kedi, yağlı boya"],
  ["vi", "Một chiếc thuyền trên vịnh Hạ Long lúc bình minh"],
  ["pl", "Stary zamek w górach zimą, obraz olejny"],
  ["nl", "Een windmolen tussen tulpenvelden, aquarel"],
  ["uk", "Соняшникове поле під блакитним небом, олійний живопис"],
  ["en", "A lighthouse on a cliff at sunset, oil painting"],
];

const $ = (id) => document.getElementById(id);
const POLL_MS = 150;
let currentJob = null;
/** The starting picture as a data: URL (img2img), or null (txt2img). */
let initImage = null;

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

function setupExamples() {
  const box = $("examples");
  for (const [lang, text] of EXAMPLES) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = lang;
    b.title = text;
    b.dataset.lang = lang;
    b.addEventListener("click", () => { $("prompt").value = text; $("prompt").focus(); });
    box.appendChild(b);
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
    await loadSamplers();
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
  $("status").textContent = "loading " + title + "…";
  try {
    await api("/sdapi/v1/options", { method: "POST", body: JSON.stringify({ sd_model_checkpoint: title }) });
    $("status").textContent = "model " + title;
    await loadSamplers();
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
    width: Number($("width").value),
    height: Number($("height").value),
    seed: Number($("seed").value),
    batch_size: Number($("batch").value),
    n_iter: 1,
  };
  if ($("sampler").value) body.sampler_name = $("sampler").value;
  if (initImage) {
    body.init_images = [initImage];
    body.denoising_strength = Number($("strength").value);
  }
  return body;
}

function setBusy(busy) {
  $("generate").disabled = busy;
  $("cancel").disabled = !busy;
}

async function generate(event) {
  event.preventDefault();
  showError("");
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
      $("preview").src = "data:image/png;base64," + s.preview;
      $("preview").hidden = false;
    }
    if (s.status === "succeeded" || s.status === "interrupted") {
      const result = await api("/api/v1/jobs/" + id + "/result");
      $("progress").value = 100;
      $("status").textContent = s.status === "interrupted" ? "interrupted" : "done";
      addToGallery(result);
      return;
    }
    if (s.status === "cancelled") { $("status").textContent = "cancelled"; return; }
    if (s.status === "failed") throw new ApiError(s.error ? s.error.detail : "generation failed");
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function addToGallery(result) {
  const info = JSON.parse(result.info);
  // Newest first, each batch in seed order: prepend its images last to first.
  for (let i = result.images.length - 1; i >= 0; i--) {
    const b64 = result.images[i];
    const blob = base64ToBlob(b64, "image/png"); // the server's PNG, parameters chunk included
    const url = URL.createObjectURL(blob);
    const seed = info.all_seeds[i];
    const fig = document.createElement("figure");
    const img = document.createElement("img");
    img.src = url;
    img.alt = info.prompt;
    const link = document.createElement("a");
    link.href = url;
    link.download = "altdiffusion-" + seed + ".png";
    link.textContent = "Download PNG (seed " + seed + ")";
    link.className = "download";
    const caption = document.createElement("figcaption");
    caption.dir = "auto";
    caption.textContent = info.infotexts[i] || "";
    fig.append(img, link, caption);
    $("gallery").prepend(fig);
  }
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
  const dataUrl = await readDataUrl(file);
  const img = new Image();
  img.onload = () => {
    const max = Number($("width").max) || 2048;
    const scale = Math.min(1, max / Math.max(img.naturalWidth, img.naturalHeight));
    $("width").value = Math.max(64, Math.floor(img.naturalWidth * scale / 8) * 8);
    $("height").value = Math.max(64, Math.floor(img.naturalHeight * scale / 8) * 8);
    initImage = dataUrl;
    $("init-preview").src = dataUrl;
    $("init-chosen").hidden = false;
  };
  img.onerror = () => showError("this file is not a picture the browser can read; use PNG, JPEG, BMP or GIF");
  img.src = dataUrl;
}

function clearInitImage() {
  initImage = null;
  $("init-chosen").hidden = true;
  $("init-preview").removeAttribute("src");
  $("init-file").value = "";
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
  const dataUrl = await readDataUrl(file);
  const out = $("pnginfo-info");
  const table = $("pnginfo-params");
  table.replaceChildren();
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
    loadModelInfo();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupExamples();
  setupDropZone();
  setupInitImage();
  setupAuth();
  $("form").addEventListener("submit", generate);
  $("cancel").addEventListener("click", cancel);
  $("model").addEventListener("change", switchModel);
  loadModelInfo();
});
