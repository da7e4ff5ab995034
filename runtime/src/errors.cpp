#include "dartloop/errors.hpp"

#include <string>

namespace dartloop {

std::string describe(const std::exception_ptr& error) {
  if (!error) return "null";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (const std::string& s) {
    return s;
  } catch (const char* s) {
    return s;
  } catch (...) {
    return "Instance of a non-standard C++ exception";
  }
}

}  // namespace dartloop
