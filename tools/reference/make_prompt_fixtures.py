"""Reference fixtures for AUTOMATIC1111's prompt syntax (org.altdiffusion.prompt, TextConditioning).

Regenerate (deterministic, CPU, about a minute):
    /work/main/tools/reference/.venv/bin/python tools/reference/make_prompt_fixtures.py

The oracle is written here from the public behaviour of AUTOMATIC1111/stable-diffusion-webui
(modules/prompt_parser.py parse_prompt_attention, modules/sd_hijack_clip.py tokenize_line and
process_tokens, modules/sd_emphasis.py "Original", modules/sd_hijack_xlmr.py, the textual-inversion
EmbeddingDatabase and EmbeddingsWithFixes); only the chunk length is a parameter (A1111: 75), so
that the built-in model's 32-token window (30 per chunk) can be checked too.

Writes src/test/resources/fixtures/prompts/:
  clip/, xlmr/        tiny random text encoders (config.json, model.safetensors) whose vocabularies
                      are the tokenizer fixtures' (fixtures/tokenizer/clip, fixtures/tokenizer/xlmr)
  <set>.json          per prompt: the prompt, A1111's runs [[text, weight]], chunks (token ids),
                      multipliers, fixes [[position, name]], and "z" = the key of its weighted
                      embedding in <set>.safetensors (every prompt for the tiny encoders; a subset
                      for the built-in model), clip_skip where not 1
  <set>.safetensors   z_<i> [1, chunks x (chunk_length + 2), D] float32
  embeddings/         textual-inversion files: A1111 .pt (string_to_param), .safetensors
                      (emb_params), diffusers learned_embeds.safetensors
  textual_inversion.json / .safetensors  diffusers 0.30.3 load_textual_inversion + encode_prompt
                      on the tiny CLIP encoder for prompts naming those embeddings (d_<i>)
Sets: clip (CLIP, incl. clip skip 2 cases and embeddings), xlmr (XLM-R), builtin
(models/altdiffusion-tiny's text encoder and tokenizer).
"""
import json
import math
import os
import random
import re
import shutil
import sys

import torch

torch.set_num_threads(1)
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, XLMRobertaTokenizer

from diffusers.pipelines.deprecated.alt_diffusion.modeling_roberta_series import (
    RobertaSeriesConfig,
    RobertaSeriesModelWithTransformation,
)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tokenizer_corpus  # noqa: E402

REPO = os.path.join(HERE, "..", "..")
FIX = os.path.join(REPO, "src", "test", "resources", "fixtures")
OUT = os.path.join(FIX, "prompts")
TOK = os.path.join(FIX, "tokenizer")
BUILTIN = os.path.join(REPO, "models", "altdiffusion-tiny")

# ---------------------------------------------------------------- A1111's parser (prompt_parser.py)

RE_ATTENTION = re.compile(r"""
\\\(|
\\\)|
\\\[|
\\]|
\\\\|
\\|
\(|
\[|
:([+-]?[.\d]+)\)|
\)|
]|
[^\\()\[\]:]+|
:
""", re.X)

RE_BREAK = re.compile(r"\s*\bBREAK\b\s*", re.S)


def parse_prompt_attention(text):
    res = []
    round_brackets = []
    square_brackets = []

    def multiply_range(start, multiplier):
        for p in range(start, len(res)):
            res[p][1] *= multiplier

    for m in RE_ATTENTION.finditer(text):
        t = m.group(0)
        weight = m.group(1)
        if t.startswith("\\"):
            res.append([t[1:], 1.0])
        elif t == "(":
            round_brackets.append(len(res))
        elif t == "[":
            square_brackets.append(len(res))
        elif weight is not None and round_brackets:
            multiply_range(round_brackets.pop(), float(weight))
        elif t == ")" and round_brackets:
            multiply_range(round_brackets.pop(), 1.1)
        elif t == "]" and square_brackets:
            multiply_range(square_brackets.pop(), 1 / 1.1)
        else:
            parts = re.split(RE_BREAK, t)
            for i, part in enumerate(parts):
                if i > 0:
                    res.append(["BREAK", -1])
                res.append([part, 1.0])
    for pos in round_brackets:
        multiply_range(pos, 1.1)
    for pos in square_brackets:
        multiply_range(pos, 1 / 1.1)
    if len(res) == 0:
        res = [["", 1.0]]
    i = 0
    while i + 1 < len(res):
        if res[i][1] == res[i + 1][1]:
            res[i][0] += res[i + 1][0]
            res.pop(i + 1)
        else:
            i += 1
    return res


# ---------------------------------------------------------------- A1111's chunks (sd_hijack_clip.py)


class Chunker:
    def __init__(self, tokenizer, chunk_length, id_start, id_end, id_pad, comma_token, embeddings=None):
        self.tokenizer = tokenizer
        self.chunk_length = chunk_length
        self.id_start = id_start
        self.id_end = id_end
        self.id_pad = id_pad
        self.comma_token = comma_token
        self.backtrack = 20
        self.ids_lookup = {}  # first id -> [(ids, name, vectors)] longest first
        for name, vec in (embeddings or {}).items():
            ids = tokenizer([name], add_special_tokens=False)["input_ids"][0]
            self.ids_lookup.setdefault(ids[0], [])
            self.ids_lookup[ids[0]] = sorted(self.ids_lookup[ids[0]] + [(ids, name, vec)],
                                             key=lambda x: len(x[0]), reverse=True)

    def find_embedding_at_position(self, tokens, offset):
        for ids, name, vec in self.ids_lookup.get(tokens[offset], []):
            if tokens[offset:offset + len(ids)] == ids:
                return (name, vec), len(ids)
        return None, None

    def tokenize_line(self, line):
        parsed = parse_prompt_attention(line)
        tokenized = self.tokenizer([t for t, _ in parsed], truncation=False, add_special_tokens=False)["input_ids"]
        chunks = []
        state = {"tokens": [], "mults": [], "fixes": [], "last_comma": -1}

        def next_chunk():
            to_add = self.chunk_length - len(state["tokens"])
            if to_add > 0:
                state["tokens"] += [self.id_end] * to_add
                state["mults"] += [1.0] * to_add
            chunks.append(([self.id_start] + state["tokens"] + [self.id_end],
                           [1.0] + state["mults"] + [1.0], state["fixes"]))
            state.update(tokens=[], mults=[], fixes=[], last_comma=-1)

        for tokens, (text, weight) in zip(tokenized, parsed):
            if text == "BREAK" and weight == -1:
                next_chunk()
                continue
            position = 0
            while position < len(tokens):
                token = tokens[position]
                n = len(state["tokens"])
                if token == self.comma_token:
                    state["last_comma"] = n
                elif (self.backtrack != 0 and n == self.chunk_length and state["last_comma"] != -1
                      and n - state["last_comma"] <= self.backtrack):
                    at = state["last_comma"] + 1
                    reloc_t, reloc_m = state["tokens"][at:], state["mults"][at:]
                    state["tokens"], state["mults"] = state["tokens"][:at], state["mults"][:at]
                    next_chunk()
                    state["tokens"], state["mults"] = reloc_t, reloc_m
                if len(state["tokens"]) == self.chunk_length:
                    next_chunk()
                emb, emb_tokens = self.find_embedding_at_position(tokens, position)
                if emb is None:
                    state["tokens"].append(token)
                    state["mults"].append(weight)
                    position += 1
                    continue
                count = emb[1].shape[0]
                if len(state["tokens"]) + count > self.chunk_length:
                    next_chunk()
                state["fixes"].append((len(state["tokens"]), emb))
                state["tokens"] += [0] * count
                state["mults"] += [weight] * count
                position += emb_tokens
        if state["tokens"] or not chunks:
            next_chunk()
        return parsed, chunks


# ---------------------------------------------------------------- encoding (process_tokens + emphasis)


def with_fixes(embedding_layer, fixes):
    """EmbeddingsWithFixes: the token embeddings, each fix's vectors written at offset + 1."""
    def forward(ids):
        out = embedding_layer(ids)
        rows = []
        for b in range(out.shape[0]):
            tensor = out[b]
            for offset, (name, vec) in fixes[b]:
                emb_len = min(tensor.shape[0] - offset - 1, vec.shape[0])
                tensor = torch.cat([tensor[0:offset + 1], vec[0:emb_len], tensor[offset + 1 + emb_len:]])
            rows.append(tensor)
        return torch.stack(rows)
    return forward


def encode_chunk(kind, model, chunker, tokens, mults, fixes, clip_skip):
    ids = torch.asarray([tokens])
    if chunker.id_end != chunker.id_pad:
        index = tokens.index(chunker.id_end)
        ids[0, index + 1:] = chunker.id_pad
    if kind == "clip":
        layer = model.text_model.embeddings.token_embedding
        original = layer.forward
        layer.forward = with_fixes(original, [fixes])
        try:
            out = model(input_ids=ids, output_hidden_states=True)
        finally:
            layer.forward = original
        if clip_skip > 1:
            z = model.text_model.final_layer_norm(out.hidden_states[-clip_skip])
        else:
            z = out.last_hidden_state
    else:
        layer = model.roberta.embeddings.word_embeddings
        original = layer.forward
        layer.forward = with_fixes(original, [fixes])
        try:
            mask = (ids != chunker.id_pad).to(torch.int64)
            z = model(input_ids=ids, attention_mask=mask)["projection_state"]
        finally:
            layer.forward = original
    m = torch.asarray([mults])
    original_mean = z.mean()
    z = z * m.reshape(m.shape + (1,)).expand(z.shape)
    new_mean = z.mean()
    return z * (original_mean / new_mean)


def encode(kind, model, chunker, chunks, clip_skip=1):
    with torch.no_grad():
        return torch.hstack([encode_chunk(kind, model, chunker, t, m, f, clip_skip) for t, m, f in chunks])


# ---------------------------------------------------------------- models


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name or "pre_LN" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn(p.shape, generator=g))
            elif "embedding" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[-1] if p.dim() > 1 else p.shape[0]
                p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)


def tiny_clip(tok):
    cfg = CLIPTextConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=3,
                         num_attention_heads=2, max_position_embeddings=77, hidden_act="quick_gelu",
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                         pad_token_id=tok.pad_token_id)
    m = CLIPTextModel(cfg).eval()
    randomize(m, 19)
    return m


def tiny_xlmr(tok):
    cfg = RobertaSeriesConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                              intermediate_size=32, max_position_embeddings=80, type_vocab_size=1,
                              project_dim=16, has_pre_transformation=True, pad_token_id=1, bos_token_id=0,
                              eos_token_id=2, hidden_act="gelu", layer_norm_eps=1e-5,
                              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    m = RobertaSeriesModelWithTransformation(cfg).eval()
    randomize(m, 20)
    return m


# ---------------------------------------------------------------- prompts

EDGE = [
    "", "normal text", "an (important) word", "(unbalanced", "\\(literal\\]", "(unnecessary)(parens)",
    "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).", "((a][:b:c", "a ]b) c", "))) [[[", ")(", "][",
    "(x:abc)", "(x:1.5", "(x:.5)", "(x:5.)", "(x:-0.5)", "(x:+2)", "(x:0)", "(x: 1.2)", "(x :1.2)",
    "(x:1.2 )", "(x:١.٣)", "[x:2]x", "[[x]]", "[[[x]]] ((y))", "((x) y) z", "(a (b (c (d:1.5):0.8)) e)",
    "\\\\", "\\", "a\\b", "\\x (y)", "\\((x)\\)", "(\\(x\\))", "(a\\)b)", "[a\\]b]", "a:b:c", "(:)", "(::)",
    "(x:)", ":", "::1)", "(a:1)(b:2)(c:3)", "(a:1.1)b", "BREAK", "a BREAK b", "aBREAKb", "a BREAKb",
    "a BREAK BREAK b", "BREAK a", "a BREAK", "a\tBREAK\nb", "a break b", "(a BREAK b)", "[a BREAK b]",
    "a, BREAK, b", "(BREAK:1.2)", " BREAK ", "x" * 10, "a,b,c,d,e,f,g", ",,,,", "(,,,)", "   spaced   out   ",
    "A1111 (UPPER case) MIXED", "emoji 🐱 (cat:1.2) 🐶", "new\nline (weight)\n", "tab\t(tab:0.7)",
    "(a)(b)[c][d]((e))[[f]]", "(((((((((((deep)))))))))))", "[[[[[[[[[[shallow]]]]]]]]]]",
    "(x:0.00001)", "(x:100)", "(x:1.)", "(x:...)", "(x:1.2.3)", "(x:1:2)", "word (another word:1.4) word",
]


def clause(rng, lang):
    fmt, nouns, places, styles, lines = tokenizer_corpus.LANGUAGES[lang]
    if rng.random() < 0.3:
        return rng.choice(lines)
    return fmt.format(n=rng.choice(nouns), p=rng.choice(places), s=rng.choice(styles))


def weighted(rng, text):
    r = rng.random()
    if r < 0.15:
        return "(" + text + ")"
    if r < 0.25:
        return "[" + text + "]"
    if r < 0.4:
        return "(" + text + ":" + rng.choice(["0.5", "1.3", "1.4", "0.8", "1.21", "2", ".7"]) + ")"
    if r < 0.45:
        return "((" + text + "))"
    if r < 0.5:
        return "\\(" + text + "\\)"
    return text


def random_prompt(rng, langs, clauses, breaks=0.0):
    parts = []
    for _ in range(clauses):
        text = clause(rng, rng.choice(langs))
        parts.append(weighted(rng, text))
        if rng.random() < breaks:
            parts.append("BREAK")
    sep = rng.choice([", ", ", ", " ", ",", " , "])
    return sep.join(parts)


def comma_prompt(rng, target_words):
    """Short comma-separated clauses, so that commas fall near chunk ends."""
    words = []
    while len(words) < target_words:
        n = rng.randint(1, 6)
        words.append(" ".join(rng.choice(["red", "tree", "sky", "ocean", "castle", "detailed", "light",
                                          "shadow", "glow", "mist"]) for _ in range(n)) + ",")
    return " ".join(words)


def prompts():
    rng = random.Random(19)
    langs = list(tokenizer_corpus.LANGUAGES)
    out = list(EDGE)
    for lang in langs:  # every language: short, weighted, long
        for k in range(5):
            out.append(random_prompt(rng, [lang], rng.randint(1, 3)))
        out.append(random_prompt(rng, [lang], 25))  # well over 225 tokens
    for _ in range(60):
        out.append(random_prompt(rng, langs, rng.randint(2, 8), breaks=0.2))
    for n in (70, 72, 74, 75, 76, 78, 80, 90, 140, 150, 160, 230, 300):
        out.append(comma_prompt(rng, n // 2))
        out.append(comma_prompt(rng, n))
    for _ in range(20):
        out.append(random_prompt(rng, langs, rng.randint(10, 30), breaks=0.05))
    for _ in range(25):
        out.append(random_prompt(rng, langs, rng.randint(1, 4), breaks=0.1))
    out.append(random_prompt(rng, ["en"], 30))  # the 30-clause prompt
    seen = set()
    unique = []
    for p in out:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


# ---------------------------------------------------------------- writing


def case_record(prompt, parsed, chunks, key, clip_skip=1):
    rec = {
        "prompt": prompt,
        "runs": [[t, w] for t, w in parsed],
        "chunks": [c[0] for c in chunks],
        # weights other than 1, as [position, weight] (every other position has weight 1)
        "weights": [[[i, w] for i, w in enumerate(c[1]) if w != 1.0] for c in chunks],
        "fixes": [[[off + 1, emb[0]] for off, emb in c[2]] for c in chunks],
        "z": key,
    }
    if clip_skip != 1:
        rec["clip_skip"] = clip_skip
    return rec


def write_set(name, kind, model, chunker, items, every, extra=None, max_chunks=3, long_chunks=4):
    """Tokens for every prompt; embeddings for every `every`-th of at most `max_chunks` chunks (and
    every one with embeddings or clip skip), to keep the fixture small."""
    cases, tensors = [], {}
    for i, (prompt, clip_skip) in enumerate(items):
        try:
            parsed, chunks = chunker.tokenize_line(prompt)
        except ValueError as e:  # A1111 fails on a weight like (x:...): float('...')
            cases.append({"prompt": prompt, "error": str(e)})
            continue
        key = None
        special = clip_skip != 1 or any(c[2] for c in chunks)
        long_one = i % 15 == 0 and 3 < len(chunks) <= long_chunks  # some over 225 tokens too
        if special or long_one or (i % every == 0 and len(chunks) <= max_chunks):
            key = f"z_{i}"
            tensors[key] = encode(kind, model, chunker, chunks, clip_skip).contiguous()
        cases.append(case_record(prompt, parsed, chunks, key, clip_skip))
    meta = {"chunk_length": chunker.chunk_length, "cases": cases}
    if extra:
        meta.update(extra)
    with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, separators=(",", ":"))
    save_file(tensors, os.path.join(OUT, name + ".safetensors"))
    longest = max(len(c.get("chunks", [])) for c in cases)
    print(f"{name}: {len(cases)} prompts, {len(tensors)} embeddings, up to {longest} chunks")


def write_embeddings(width):
    d = os.path.join(OUT, "embeddings")
    os.makedirs(d, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    embs = {
        "tistyle": torch.randn(2, width, generator=g),  # A1111 .pt
        "tiobject": torch.randn(1, width, generator=g),  # A1111 .safetensors (emb_params)
        "ticoncept": torch.randn(width, generator=g),  # diffusers learned_embeds (one vector)
    }
    torch.save({"string_to_token": {"*": 265}, "string_to_param": {"*": embs["tistyle"]}, "name": "tistyle",
                "step": 100, "sd_checkpoint": None, "sd_checkpoint_name": None},
               os.path.join(d, "tistyle.pt"), _use_new_zipfile_serialization=True)
    save_file({"emb_params": embs["tiobject"].contiguous()}, os.path.join(d, "tiobject.safetensors"))
    save_file({"<ticoncept>": embs["ticoncept"].contiguous()}, os.path.join(d, "ticoncept.safetensors"))
    torch.save({"string_to_param": {"*": torch.randn(1, 24, generator=g)}}, os.path.join(d, "tiwide.pt"))
    return {k: (v if v.dim() == 2 else v.unsqueeze(0)) for k, v in embs.items()}


class TinyTiPipeline:
    """Just what diffusers' TextualInversionLoaderMixin needs of a pipeline."""

    def __init__(self, tokenizer, text_encoder):
        self.tokenizer = tokenizer
        self.text_encoder = text_encoder
        self.hf_device_map = None

    @property
    def components(self):
        return {"tokenizer": self.tokenizer, "text_encoder": self.text_encoder}


def diffusers_textual_inversion(clip_tok_dir, model, ti_prompts):
    from diffusers.loaders import TextualInversionLoaderMixin

    class P(TinyTiPipeline, TextualInversionLoaderMixin):
        pass

    tok = CLIPTokenizer.from_pretrained(clip_tok_dir)
    import copy
    enc = copy.deepcopy(model)
    pipe = P(tok, enc)
    d = os.path.join(OUT, "embeddings")
    pipe.load_textual_inversion(os.path.join(d, "tiobject.safetensors"), token="tiobject")
    pipe.load_textual_inversion(os.path.join(d, "ticoncept.safetensors"), token="ticoncept")
    # diffusers reads an A1111 .pt's string_to_param too
    pipe.load_textual_inversion(os.path.join(d, "tistyle.pt"), token="tistyle")
    tensors, cases = {}, []
    for i, p in enumerate(ti_prompts):
        converted = pipe.maybe_convert_prompt(p, tok)
        ids = tok(converted, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
        with torch.no_grad():
            z = enc(ids).last_hidden_state
        tensors[f"d_{i}"] = z.contiguous()
        cases.append({"prompt": p, "z": f"d_{i}"})
    with open(os.path.join(OUT, "textual_inversion.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False, indent=0)
    save_file(tensors, os.path.join(OUT, "textual_inversion.safetensors"))
    print(f"textual_inversion: {len(cases)} prompts through diffusers' load_textual_inversion")


# diffusers reads no emphasis: plain prompts only
TI_PLAIN = ["a photo of tistyle", "a tistyle tiobject ticoncept", "tiobject on a table, tistyle",
            "ticoncept, ticoncept and tiobject", "tistyle"]


def main():
    if sys.argv[1:] == ["--textual-inversion-only"]:  # the diffusers comparison alone
        clip = CLIPTextModel.from_pretrained(os.path.join(OUT, "clip")).eval()
        diffusers_textual_inversion(os.path.join(TOK, "clip"), clip, TI_PLAIN)
        return
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    all_prompts = prompts()
    print(len(all_prompts), "prompts")

    clip_tok = CLIPTokenizer.from_pretrained(os.path.join(TOK, "clip"))
    clip = tiny_clip(clip_tok)
    clip.save_pretrained(os.path.join(OUT, "clip"), safe_serialization=True)
    embeddings = write_embeddings(16)
    clip_chunker = Chunker(clip_tok, 75, clip_tok.bos_token_id, clip_tok.eos_token_id, clip_tok.eos_token_id,
                           clip_tok.get_vocab().get(",</w>"), embeddings)
    ti = ["a photo of tistyle", "tiobject on a table, (tistyle:1.3)", "[ticoncept] BREAK tiobject",
          "a tistyle tiobject ticoncept", "(tiobject)" + ", red tree" * 40 + ", tistyle, ticoncept"]
    items = [(p, 1) for p in all_prompts] + [(p, 2) for p in all_prompts[60:90]] + [(p, 1) for p in ti] + [
        (p, 3) for p in ti[:2]]
    write_set("clip", "clip", clip, clip_chunker, items, 2,
              {"tokenizer": "tokenizer/clip", "embeddings": "prompts/embeddings"})
    diffusers_textual_inversion(os.path.join(TOK, "clip"), clip, TI_PLAIN)

    xlmr_tok = XLMRobertaTokenizer.from_pretrained(os.path.join(TOK, "xlmr"))
    xlmr = tiny_xlmr(xlmr_tok)
    xlmr.save_pretrained(os.path.join(OUT, "xlmr"), safe_serialization=True)
    xlmr_chunker = Chunker(xlmr_tok, 75, xlmr_tok.bos_token_id, xlmr_tok.eos_token_id, xlmr_tok.pad_token_id,
                           xlmr_tok.get_vocab().get(","), embeddings)
    write_set("xlmr", "xlmr", xlmr, xlmr_chunker, [(p, 1) for p in all_prompts] + [(p, 1) for p in ti], 2,
              {"tokenizer": "tokenizer/xlmr", "embeddings": "prompts/embeddings"})

    b_tok = XLMRobertaTokenizer.from_pretrained(os.path.join(BUILTIN, "tokenizer"))
    b_model = RobertaSeriesModelWithTransformation.from_pretrained(os.path.join(BUILTIN, "text_encoder")).eval()
    window = min(b_tok.model_max_length, b_model.config.max_position_embeddings - 2)
    b_chunker = Chunker(b_tok, min(75, window - 2), b_tok.bos_token_id, b_tok.eos_token_id, b_tok.pad_token_id,
                        b_tok.get_vocab().get(","))
    write_set("builtin", "xlmr", b_model, b_chunker, [(p, 1) for p in all_prompts], 8,
              {"model": "models/altdiffusion-tiny"}, max_chunks=4, long_chunks=6)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(OUT) for f in fs)
    print(f"fixtures: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
