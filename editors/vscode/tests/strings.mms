# SYNTAX TEST "source.mms" "strings: escapes and interpolation, nested"
print "tab\there \x41 {hex(p)} and {"inner {1 + 2} done"} end"
#     ^ string.quoted.double.mms punctuation.definition.string.begin.mms
#         ^^ string.quoted.double.mms constant.character.escape.mms
#                ^^^^ string.quoted.double.mms constant.character.escape.mms
#                     ^ string.quoted.double.mms meta.interpolation.mms punctuation.section.interpolation.begin.mms
#                      ^^^ meta.interpolation.mms support.function.builtin.mms
#                          ^ meta.interpolation.mms variable.other.mms
#                            ^ meta.interpolation.mms punctuation.section.interpolation.end.mms
#                             ^^^^^ string.quoted.double.mms
#                                   ^ meta.interpolation.mms string.quoted.double.mms punctuation.definition.string.begin.mms
#                                    ^^^^^^ meta.interpolation.mms string.quoted.double.mms
#                                          ^ meta.interpolation.mms string.quoted.double.mms meta.interpolation.mms punctuation.section.interpolation.begin.mms
#                                           ^ meta.interpolation.mms string.quoted.double.mms meta.interpolation.mms constant.numeric.mms
#                                                 ^^^^^ meta.interpolation.mms string.quoted.double.mms
#                                                      ^ meta.interpolation.mms string.quoted.double.mms punctuation.definition.string.end.mms
#                                                       ^ string.quoted.double.mms meta.interpolation.mms punctuation.section.interpolation.end.mms
#                                                        ^^^^ string.quoted.double.mms
#                                                            ^ string.quoted.double.mms punctuation.definition.string.end.mms
print "a # is text here" # and a comment here
#        ^^^^^^^^^ string.quoted.double.mms
#                        ^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.mms
print "unclosed {x
#     ^ string.quoted.double.mms punctuation.definition.string.begin.mms
#                ^ meta.interpolation.mms variable.other.mms
let after = 1
# <--- storage.type.mms
