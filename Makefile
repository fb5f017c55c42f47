# make demo   set up .venv/ if needed, train the toy config on CPU, evaluate,
#             and print where the shape trace and reports are.
# make test   set up .venv/ if needed and run the test suite (without the
#             tests marked slow).
# make test-slow  the tests marked slow: the Faster R-CNN, Mask R-CNN and
#             Cascade R-CNN families, each
#             member trained and tested against stock mmdet.
# make bench  tracing overhead and memory figures (benchmarks/).
PY := .venv/bin/python
DEMO_CONFIG := configs/toy/annotated_faster_rcnn_r50_fpn_toy_cpu.py
DEMO_WORK_DIR := work_dirs/demo

.PHONY: setup demo test test-slow bench clean

setup:
	bash scripts/setup_env.sh

demo: setup
	$(PY) -m mmdet_frcnn_annotated.train $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR) --seed 0
	@echo "Study page of iteration 0 (open it in a browser): $(DEMO_WORK_DIR)/shape_trace/train_iter0.html"
	@echo "Outputs under $(DEMO_WORK_DIR)/shape_trace/:"
	@ls $(DEMO_WORK_DIR)/shape_trace
	@echo "Trace (JSON lines): $(DEMO_WORK_DIR)/shape_trace/trace_rank0.jsonl"
	@echo "Stage report of iteration 0: $(DEMO_WORK_DIR)/shape_trace/train_iter0.md (in Chinese: train_iter0.zh.md)"
	@echo "Annotated listing of iteration 0: $(DEMO_WORK_DIR)/shape_trace/train_iter0.listing.en.md (and .zh.md)"
	@echo "Pictures of iteration 0: $(DEMO_WORK_DIR)/shape_trace/train_iter0.*.png"

test: setup
	$(PY) -m pytest -q -m "not slow" tests

test-slow: setup
	$(PY) -m pytest -q -m slow tests

bench: setup
	$(PY) benchmarks/tracing_overhead.py

clean:
	rm -rf work_dirs
