# SYNTAX TEST "source.mms" "every token kind of .mms"
# a comment
# <- comment.line.number-sign.mms punctuation.definition.comment.mms
platform riscv64-qemu-virt
# <-------- keyword.other.platform.mms
#        ^^^^^^^^^^^^^^^^^ entity.name.tag.platform.mms
kernel byte_allocator = tlsf
# <------ keyword.other.kernel.mms
#      ^^^^^^^^^^^^^^ variable.parameter.setting.mms
#                     ^ keyword.operator.assignment.mms
#                       ^^^^ variable.other.mms
include "lib/helpers.mms"
# <------- keyword.other.mms
#       ^^^^^^^^^^^^^^^^^ string.quoted.double.mms
let size = 0x9000_0000 + 0b1010 + 4K - 1_000
# <--- storage.type.mms
#   ^^^^ variable.other.mms
#          ^^^^^^^^^^^ constant.numeric.mms
#                      ^ keyword.operator.mms
#                        ^^^^^^ constant.numeric.mms
#                                 ^^ constant.numeric.mms
#                                    ^ keyword.operator.mms
#                                      ^^^^^ constant.numeric.mms
proc twice(n) { return n * 2 }
# <---- storage.type.function.mms
#    ^^^^^ entity.name.function.mms
#         ^ punctuation.section.mms
#             ^ punctuation.section.mms
#               ^^^^^^ keyword.control.mms
#                        ^ keyword.operator.mms
#                            ^ punctuation.section.mms
if size >= 4K && !false || size % 2 != 0 { print null } else { print true }
# <-- keyword.control.mms
#       ^^ keyword.operator.mms
#             ^^ keyword.operator.mms
#                ^ keyword.operator.mms
#                 ^^^^^ constant.language.mms
#                       ^^ keyword.operator.mms
#                               ^ keyword.operator.mms
#                                   ^^ keyword.operator.mms
#                                          ^^^^^ keyword.other.mms
#                                                ^^^^ constant.language.mms
#                                                       ^^^^ keyword.control.mms
#                                                                    ^^^^ constant.language.mms
for i in 0..4 { repeat 2 { while false { } } }
# <--- keyword.control.mms
#     ^^ keyword.control.mms
#         ^^ keyword.operator.range.mms
#               ^^^^^^ keyword.control.mms
#                          ^^^^^ keyword.control.mms
let p = alloc(64, 8); kfree(p)
#       ^^^^^ support.function.builtin.mms
#               ^ punctuation.separator.mms
#                   ^ punctuation.separator.mms
#                     ^^^^^ support.function.builtin.mms
#                            ^ punctuation.section.mms
let mine = twice(3) << 1 >> ~2 ^ 5 | 6 & 7 / 8 < 9 > 1 <= 2 == 3
#          ^^^^^ entity.name.function.call.mms
#                   ^^ keyword.operator.mms
#                        ^^ keyword.operator.mms
#                           ^ keyword.operator.mms
#                              ^ keyword.operator.mms
#                                  ^ keyword.operator.mms
#                                      ^ keyword.operator.mms
#                                          ^ keyword.operator.mms
#                                              ^ keyword.operator.mms
#                                                  ^ keyword.operator.mms
#                                                      ^^ keyword.operator.mms
#                                                           ^^ keyword.operator.mms
mine = mine + 1
# <---- variable.other.mms
#    ^ keyword.operator.assignment.mms
print dma.bus_addr + _skernel
#        ^ punctuation.accessor.mms
#         ^^^^^^^^ variable.other.property.mms
#                    ^^^^^^^^ support.constant.mms
expect error NoMemory { alloc_pages(1_000_000, 4K) }
# <------ keyword.other.expect.mms
#      ^^^^^ keyword.other.error.mms
#            ^^^^^^^^ entity.name.type.error.mms
#                       ^^^^^^^^^^^ support.function.builtin.mms
using h = subject() { unchecked { expect h.used_bytes == 0 "empty" } }
# <----- keyword.control.mms
#         ^^^^^^^ support.function.builtin.mms
#                     ^^^^^^^^^ keyword.control.mms
#                                                          ^^^^^^^ string.quoted.double.mms
contract "a contract" { let x = 1 }
# <-------- storage.type.mms
#        ^^^^^^^^^^^^ string.quoted.double.mms
cpus 4
# <---- keyword.other.mms
#    ^ constant.numeric.mms
ram 8G
# <--- keyword.other.mms
on cpu 1 { print cpu() }
# <-- keyword.control.mms
#  ^^^ keyword.control.mms
#                ^^^ support.function.builtin.mms
parallel { cpu 0 { let a = 1 } }
# <-------- keyword.control.mms
#          ^^^ keyword.control.mms
