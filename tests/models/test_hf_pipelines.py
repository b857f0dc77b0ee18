"""Hugging Face pipelines as nbshare.Interface(pipe): real tiny models, tokenizers and processors built here (nothing
downloaded), torch backend; inputs and outputs inferred from the task."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import nbshare
from nbshare._errors import InputError

from libraries import require
from waiting import until

WORDS = [
    "the", "a", "movie", "film", "was", "is", "great", "good", "bad", "awful", "fine", "i", "loved", "hated", "it",
    "this", "plot", "actors", "paris", "anna",
]  # fmt: skip
IMAGE_CLASSES = {0: "cat", 1: "dog", 2: "bird"}
TEXT_CLASSES = {0: "negative", 1: "positive"}
TINY_BERT = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}


@pytest.fixture(scope="module")
def transformers() -> ModuleType:
    """transformers, on torch: skipped where they are not installed, a failure under CI."""
    require("torch")
    return require("transformers")


def seeded(value: int) -> None:
    """Fix torch's seed, so the randomly initialised model built next is the same on every run."""
    import torch

    torch.manual_seed(value)


def picture(seed: int, height: int = 40, width: int = 48) -> np.ndarray:
    return np.random.RandomState(seed).randint(0, 256, (height, width, 3), dtype=np.uint8)


def word_tokenizer(transformers: ModuleType, specials: list[str], **tokens: str) -> Any:
    """A fast word-level tokenizer over WORDS (offsets included, as token classification needs)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = {token: index for index, token in enumerate([*specials, *WORDS])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.decoder = decoders.WordPiece()
    if "cls_token" in tokens:
        cls, sep = tokens["cls_token"], tokens["sep_token"]
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{cls} $A {sep}",
            pair=f"{cls} $A {sep} $B:1 {sep}:1",
            special_tokens=[(cls, vocab[cls]), (sep, vocab[sep])],
        )
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", **tokens)


@pytest.fixture(scope="module")
def bert_tokenizer(transformers: ModuleType) -> Any:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    return word_tokenizer(
        transformers, specials, pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )


def bert(transformers: ModuleType, model_class: str, id2label: dict[int, str] | None, tokenizer: Any, seed: int) -> Any:
    seeded(seed)
    labels = {"id2label": id2label, "label2id": {v: k for k, v in id2label.items()}} if id2label else {}
    config = transformers.BertConfig(vocab_size=len(tokenizer), max_position_embeddings=64, **TINY_BERT, **labels)
    return getattr(transformers, model_class)(config).eval()


@pytest.fixture(scope="module")
def image_pipe(transformers: ModuleType) -> Any:
    seeded(0)
    config = transformers.ViTConfig(
        image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, id2label=IMAGE_CLASSES, label2id={v: k for k, v in IMAGE_CLASSES.items()},
    )  # fmt: skip
    model = transformers.ViTForImageClassification(config).eval()
    processor = transformers.ViTImageProcessor(size={"height": 32, "width": 32})
    return transformers.pipeline("image-classification", model=model, image_processor=processor)


@pytest.fixture(scope="module")
def text_pipe(transformers: ModuleType, bert_tokenizer: Any) -> Any:
    model = bert(transformers, "BertForSequenceClassification", TEXT_CLASSES, bert_tokenizer, seed=1)
    return transformers.pipeline("text-classification", model=model, tokenizer=bert_tokenizer)


@contextmanager
def batch_sizes(pipe: Any) -> Iterator[list[int]]:
    """The batch size of every forward pass of the pipeline's model while the block runs."""
    sizes: list[int] = []

    def record(_module: Any, args: Any, kwargs: Any) -> None:
        first = next(value for value in [*args, *kwargs.values()] if hasattr(value, "shape"))
        sizes.append(int(first.shape[0]))

    handle = pipe.model.register_forward_pre_hook(record, with_kwargs=True)
    try:
        yield sizes
    finally:
        handle.remove()


def scores(label_value: dict[str, Any]) -> dict[str, float]:
    return {c["label"]: c["confidence"] for c in label_value["confidences"]}


def direct_scores(result: list[dict[str, Any]]) -> dict[str, float]:
    return {item["label"]: item["score"] for item in result}


# -- image classification ---------------------------------------------------------------------------------------


def test_an_image_classification_pipeline_is_an_interface_with_the_models_class_names(image_pipe) -> None:
    from PIL import Image

    iface = nbshare.Interface(image_pipe)
    assert iface._pipeline.model.kind == "transformers"
    assert [type(c).__name__ for c in iface.inputs] == ["Image"] and iface.inputs[0].label == "Image"
    assert [type(c).__name__ for c in iface.outputs] == ["Label"] and iface.outputs[0].label == "Class"
    image = picture(0)
    answer = iface.predict(image)
    assert set(scores(answer)) == {"cat", "dog", "bird"} and iface.outputs[0].class_names == ["cat", "dog", "bird"]
    assert scores(answer) == direct_scores(image_pipe(Image.fromarray(image), top_k=3))


def test_image_rows_go_through_the_pipelines_batching_and_match_predict(image_pipe) -> None:
    iface = nbshare.Interface(image_pipe)
    images = [picture(seed) for seed in range(4)]
    with batch_sizes(image_pipe) as sizes:
        table = iface.process(images, progress=False)
    assert sizes == [4]
    assert table["error"].isna().all()
    for image, batched in zip(images, table["Class"], strict=True):
        alone = iface.predict(image)
        assert batched["label"] == alone["label"]
        assert scores(batched) == pytest.approx(scores(alone), abs=1e-5)


def test_occlusion_explains_an_image_classification_pipeline(image_pipe) -> None:
    iface = nbshare.Interface(image_pipe, interpretation="occlusion")
    explanation = iface.explain(picture(1))
    (part,) = explanation.inputs
    assert part.kind == "image" and part.map.shape == (40, 48)
    assert np.isfinite(part.map).all() and np.ptp(part.map) > 0


def test_the_notebook_view_of_an_image_pipeline_answers(image_pipe) -> None:
    view = nbshare.Interface(image_pipe).view()
    view.inputs[0].value = picture(2)
    view.submit()
    until(lambda: view.status.state == "done")
    assert view.outputs[0].value["label"] in IMAGE_CLASSES.values()
    assert len(view.outputs[0].value["confidences"]) == 3


def test_explicit_components_win_over_the_task(image_pipe) -> None:
    iface = nbshare.Interface(
        image_pipe, nbshare.Image(type="pil", label="Photo"), nbshare.Label(num_top_classes=1, label="Animal")
    )
    assert iface.inputs[0].label == "Photo" and iface.outputs[0].label == "Animal"
    answer = iface.predict(picture(0))
    assert len(answer["confidences"]) == 1 and answer["label"] in IMAGE_CLASSES.values()


# -- text classification ----------------------------------------------------------------------------------------


def test_a_text_classification_pipeline_is_an_interface_with_every_class(text_pipe) -> None:
    iface = nbshare.Interface(text_pipe)
    assert [type(c).__name__ for c in iface.inputs] == ["Textbox"] and iface.inputs[0].label == "Text"
    answer = iface.predict("i loved the movie")
    assert set(scores(answer)) == {"negative", "positive"}
    assert scores(answer) == direct_scores(text_pipe("i loved the movie", top_k=None))


def test_text_rows_go_through_the_pipelines_batching_and_match_predict(text_pipe) -> None:
    iface = nbshare.Interface(text_pipe)
    texts = ["i loved the movie", "bad plot", "the actors were awful and the film was bad", "fine"]
    with batch_sizes(text_pipe) as sizes:
        table = iface.process(texts, progress=False)
    assert sizes == [4]
    for text, batched in zip(texts, table["Class"], strict=True):
        assert scores(batched) == pytest.approx(scores(iface.predict(text)), abs=1e-5)


def test_occlusion_explains_a_text_classification_pipeline(text_pipe) -> None:
    iface = nbshare.Interface(text_pipe, interpretation="occlusion")
    explanation = iface.explain("i hated the plot")
    (part,) = explanation.inputs
    words = [(piece, score) for piece, score in part.pieces if score is not None]
    assert [piece for piece, _ in words] == ["i", "hated", "the", "plot"]
    assert any(score != 0 for _, score in words)


def test_the_notebook_view_of_a_text_pipeline_answers(text_pipe) -> None:
    view = nbshare.Interface(text_pipe).view()
    view.inputs[0].value = "the film was great"
    view.submit()
    until(lambda: view.status.state == "done")
    assert scores(view.outputs[0].value) == pytest.approx(direct_scores(text_pipe("the film was great", top_k=None)))


# -- other tasks ------------------------------------------------------------------------------------------------


def test_token_classification_shows_entities_over_the_text(transformers, bert_tokenizer) -> None:
    model = bert(transformers, "BertForTokenClassification", {0: "PER", 1: "LOC", 2: "MISC"}, bert_tokenizer, seed=2)
    pipe = transformers.pipeline("token-classification", model=model, tokenizer=bert_tokenizer)
    iface = nbshare.Interface(pipe)
    assert type(iface.outputs[0]).__name__ == "HighlightedText"
    text = "anna loved paris"
    shown = iface.predict(text)
    assert "".join(token["text"] for token in shown["tokens"]) == text
    entities = pipe(text)
    assert entities  # every word is tagged: the classes have no "O" (outside) to leave out
    tagged = [(token["text"], token["label"]) for token in shown["tokens"] if token["label"]]
    assert tagged == [(entity["word"], entity["entity"]) for entity in entities]


def test_zero_shot_classification_takes_comma_separated_candidate_labels(transformers, bert_tokenizer) -> None:
    nli = {0: "contradiction", 1: "neutral", 2: "entailment"}
    model = bert(transformers, "BertForSequenceClassification", nli, bert_tokenizer, seed=3)
    pipe = transformers.pipeline("zero-shot-classification", model=model, tokenizer=bert_tokenizer)
    iface = nbshare.Interface(pipe)
    assert [c.label for c in iface.inputs] == ["Text", "Candidate labels"]
    answer = iface.predict("i loved the film", "good, bad ,awful")
    direct = pipe("i loved the film", candidate_labels=["good", "bad", "awful"])
    assert scores(answer) == dict(zip(direct["labels"], direct["scores"], strict=True))
    table = iface.process([["i loved the film", "good, bad"], ["bad plot", "good, bad"]], progress=False)
    assert table["error"].isna().all() and set(scores(table["Class"][1])) == {"good", "bad"}
    with pytest.raises(ValueError, match=r"takes 2 input\(s\) \(Text, Candidate labels\)"):
        nbshare.Interface(pipe, "text", "label")
    many = ", ".join(f"label {index}" for index in range(21))  # each label is one pass of the model
    with pytest.raises(InputError, match="21 candidate labels; at most 20"):
        iface.predict("i loved the film", many)
    assert iface.inputs[1].max_length == 2_000


def test_zero_shot_image_classification_scores_the_candidate_labels(transformers, bert_tokenizer) -> None:
    from PIL import Image

    seeded(10)
    text = {"vocab_size": len(bert_tokenizer), "max_position_embeddings": 32, "pad_token_id": 0, **TINY_BERT}
    vision = {"image_size": 32, "patch_size": 8, **TINY_BERT}
    config = transformers.CLIPConfig(text_config=text, vision_config=vision, projection_dim=8)
    model = transformers.CLIPModel(config).eval()
    processor = transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    pipe = transformers.pipeline(
        "zero-shot-image-classification", model=model, tokenizer=bert_tokenizer, image_processor=processor
    )
    iface = nbshare.Interface(pipe)
    assert [c.label for c in iface.inputs] == ["Image", "Candidate labels"]
    image = picture(3)
    answer = iface.predict(image, "a good film, an awful plot")
    assert scores(answer) == direct_scores(
        pipe(Image.fromarray(image), candidate_labels=["a good film", "an awful plot"])
    )


def test_image_text_to_text_answers_a_prompt_about_the_image(transformers) -> None:
    from PIL import Image

    tokenizer = word_tokenizer(
        transformers, ["<pad>", "[UNK]", "<s>", "</s>", "<image>"], pad_token="<pad>", bos_token="<s>", eos_token="</s>"
    )
    tokenizer.add_tokens(["<image>"], special_tokens=True)  # matched whole, before words are split
    seeded(11)
    config = transformers.LlavaConfig(
        vision_config=transformers.CLIPVisionConfig(image_size=32, patch_size=8, **TINY_BERT),
        text_config=transformers.LlamaConfig(
            vocab_size=len(tokenizer), num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0, **TINY_BERT
        ),
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
    )
    model = transformers.LlavaForConditionalGeneration(config).eval()
    images = transformers.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    processor = transformers.LlavaProcessor(
        image_processor=images, tokenizer=tokenizer, patch_size=8, vision_feature_select_strategy="default",
        image_token="<image>", num_additional_image_tokens=1,  # CLIP's class token, which "default" leaves out
    )  # fmt: skip
    pipe = transformers.pipeline(
        "image-text-to-text", model=model, processor=processor, max_new_tokens=3, do_sample=False
    )
    iface = nbshare.Interface(pipe)
    assert [c.label for c in iface.inputs] == ["Image", "Prompt"] and type(iface.outputs[0]).__name__ == "Text"
    image = picture(4)
    direct = pipe(images=Image.fromarray(image), text="<image> the movie")[0]["generated_text"]
    assert iface.predict(image, "the movie") == direct  # the image token goes first when the prompt has none
    table = iface.process([[image, "the movie"], [picture(5), "<image> a plot"]], progress=False)
    assert table["error"].isna().all() and table["Generated text"][0] == direct


def test_fill_mask_shows_the_likely_words(transformers, bert_tokenizer) -> None:
    model = bert(transformers, "BertForMaskedLM", None, bert_tokenizer, seed=4)
    pipe = transformers.pipeline("fill-mask", model=model, tokenizer=bert_tokenizer)
    answer = nbshare.Interface(pipe).predict("i [MASK] the film")
    assert scores(answer) == pytest.approx({item["token_str"]: item["score"] for item in pipe("i [MASK] the film")})


def test_text_generation_without_a_pad_token_runs_rows_one_by_one(transformers) -> None:
    tokenizer = word_tokenizer(
        transformers, ["<|endoftext|>", "[UNK]"], eos_token="<|endoftext|>", bos_token="<|endoftext|>"
    )
    seeded(5)
    config = transformers.GPT2Config(
        vocab_size=len(tokenizer), n_embd=16, n_layer=1, n_head=2, n_positions=64, bos_token_id=0, eos_token_id=0
    )
    model = transformers.GPT2LMHeadModel(config).eval()
    pipe = transformers.pipeline("text-generation", model=model, tokenizer=tokenizer, max_new_tokens=4, do_sample=False)
    iface = nbshare.Interface(pipe)
    assert type(iface.outputs[0]).__name__ == "Text"
    assert iface.predict("the movie was") == pipe("the movie was")[0]["generated_text"]
    with batch_sizes(pipe) as sizes:
        table = iface.process(["the movie was", "i loved"], progress=False)
    assert sizes and set(sizes) == {1}  # GPT-2's tokenizer has no pad token: the pipeline cannot batch
    assert table["error"].isna().all()
    assert list(table["Generated text"]) == [pipe(text)[0]["generated_text"] for text in ["the movie was", "i loved"]]


@pytest.fixture(scope="module")
def speech(transformers: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A tiny Wav2Vec2 and its processor parts at 16 kHz."""
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, **{c: i + 5 for i, c in enumerate("abcdefgh")}}
    path = tmp_path_factory.mktemp("wav2vec2") / "vocab.json"
    path.write_text(json.dumps(vocab))
    config = {
        "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32,
        "conv_dim": (8, 8), "conv_stride": (5, 4), "conv_kernel": (10, 8), "num_conv_pos_embeddings": 16,
        "num_conv_pos_embedding_groups": 2, "vocab_size": len(vocab), "pad_token_id": 0,
    }  # fmt: skip
    extractor = transformers.Wav2Vec2FeatureExtractor(sampling_rate=16_000, return_attention_mask=True)
    return {"vocab": str(path), "config": config, "extractor": extractor}


def tone(rate: int, seconds: float = 0.5, hertz: float = 440.0) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * hertz * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


def test_speech_recognition_resamples_the_clip_to_the_models_rate(transformers, speech) -> None:
    from nbshare.runtime.models.hf_tasks import resample

    seeded(6)
    model = transformers.Wav2Vec2ForCTC(transformers.Wav2Vec2Config(**speech["config"])).eval()
    tokenizer = transformers.Wav2Vec2CTCTokenizer(speech["vocab"])
    pipe = transformers.pipeline(
        "automatic-speech-recognition", model=model, tokenizer=tokenizer, feature_extractor=speech["extractor"]
    )
    iface = nbshare.Interface(pipe)
    assert [type(c).__name__ for c in iface.inputs] == ["Audio"] and iface.outputs[0].label == "Transcript"
    clip = tone(16_000)
    assert iface.predict((16_000, clip)) == pipe(clip)["text"]
    stereo = np.stack([tone(48_000), 0.5 * tone(48_000)], axis=1)  # mixed to mono, then 48 kHz -> 16 kHz
    assert iface.predict((48_000, stereo)) == pipe(resample(0.75 * tone(48_000), 48_000, 16_000))["text"]
    table = iface.process([(16_000, clip), (16_000, clip[:4000])], progress=False)
    assert table["error"].isna().all() and table["Transcript"][0] == pipe(clip)["text"]


def test_resampling_keeps_the_pitch_and_the_duration() -> None:
    from nbshare.runtime.models.hf_tasks import resample

    resampled = resample(tone(48_000, seconds=1.0), 48_000, 16_000)
    assert resampled.dtype == np.float32 and len(resampled) == 16_000
    spectrum = np.abs(np.fft.rfft(resampled))
    assert int(np.argmax(spectrum)) == 440  # 1 s long: bin i is i Hz
    np.testing.assert_allclose(resampled[100:-100], tone(16_000, seconds=1.0)[100:-100], atol=0.02)


def test_audio_classification_gives_every_class(transformers, speech) -> None:
    seeded(7)
    classes = {"id2label": {0: "yes", 1: "no", 2: "stop"}, "label2id": {"yes": 0, "no": 1, "stop": 2}}
    config = transformers.Wav2Vec2Config(**speech["config"], **classes)
    model = transformers.Wav2Vec2ForSequenceClassification(config).eval()
    pipe = transformers.pipeline("audio-classification", model=model, feature_extractor=speech["extractor"])
    answer = nbshare.Interface(pipe).predict((16_000, tone(16_000)))
    assert scores(answer) == pytest.approx(direct_scores(pipe(tone(16_000), top_k=None)))
    assert set(scores(answer)) == {"yes", "no", "stop"}


def test_object_detection_draws_the_boxes_on_a_copy_of_the_image(transformers) -> None:
    from PIL import Image

    seeded(8)
    config = transformers.YolosConfig(
        image_size=[32, 32], patch_size=8, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, num_detection_tokens=3, id2label={0: "cat", 1: "dog"}, label2id={"cat": 0, "dog": 1},
    )  # fmt: skip
    model = transformers.YolosForObjectDetection(config).eval()
    processor = transformers.YolosImageProcessor(size={"shortest_edge": 32, "longest_edge": 32})
    pipe = transformers.pipeline("object-detection", model=model, image_processor=processor, threshold=0.0)
    iface = nbshare.Interface(pipe)
    assert type(iface.outputs[0]).__name__ == "Image" and iface.outputs[0].label == "Detections"
    image = np.full((48, 64, 3), 200, dtype=np.uint8)
    assert pipe(Image.fromarray(image))  # threshold=0: every detection token gives a box
    drawn = iface.predict(image)
    assert drawn.shape == image.shape and (drawn != image).any()
    assert (image == 200).all()  # the input itself is untouched


def test_an_unsupported_task_says_what_is_supported_and_explicit_components_still_work(
    transformers, bert_tokenizer
) -> None:
    model = bert(transformers, "BertModel", None, bert_tokenizer, seed=9)
    pipe = transformers.pipeline("feature-extraction", model=model, tokenizer=bert_tokenizer)
    with pytest.raises(ValueError, match=r"'feature-extraction'.*image-classification, text-classification.*inputs="):
        nbshare.Interface(pipe)
    features = nbshare.Interface(pipe, "text", "json").predict("the film")
    assert np.asarray(features).shape == (1, 4, 16)  # [CLS] the film [SEP], as the pipeline returns it


def test_import_nbshare_does_not_import_transformers() -> None:
    code = "import sys, nbshare; print('transformers' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
