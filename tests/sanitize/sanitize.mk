# SPDX-License-Identifier: GPL-2.0
# Included by the test Makefiles (tests/abi, tests/stress, tests/fuzz; for
# lkm/client, tests/sanitize/run.sh build adds it with a second -f).
# SANITIZE=1 builds with ASan and UBSan (every UBSan report fatal); OUT=DIR
# puts the programs (and objects) in DIR instead of the source dir, e.g.:
#   make -C tests/abi SANITIZE=1 OUT=$PWD/out/sanitize
OUT ?= .
ifeq ($(SANITIZE),1)
CFLAGS  += -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
